// The operator run with only deploy/rbac/'s permissions (a ServiceAccount token, not
// the admin kubeconfig): a cluster is created, resized, repaired, backed up (S3 and PVC) and deleted,
// and the API never says 403.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/stack.ts';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, objectsLeft, podUids, waitAvailable, waitConverged } from '../support/clusters.ts';
import { waitFor } from '../support/wait.ts';
import { useOperatorNamespace, type OperatorProcess } from '../support/operator.ts';
import { backupYaml, bucket, createS3Secret, waitBackupDone } from '../support/backups.ts';

interface KubeconfigView { clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[] }

/** A kubeconfig for the operator's ServiceAccount: the admin's cluster entry, the SA's token. */
function serviceAccountKubeconfig(): string {
  const { clusters: [c] } = kubectlJson<KubeconfigView>(['config', 'view', '--raw', '--minify']);
  const token = kubectl(['create', 'token', 'etcd-operator', '-n', 'etcd-operator-system', '--duration=1h']).trim();
  const path = join(tmpdir(), `etcd-operator-sa-${process.pid}.kubeconfig`);
  writeFileSync(path, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'operator',
    clusters: [{ name: c!.name, cluster: c!.cluster }],
    users: [{ name: 'etcd-operator', user: { token } }],
    contexts: [{ name: 'operator', context: { cluster: c!.name, user: 'etcd-operator' } }],
  }), { mode: 0o600 });
  return path;
}

describe('operator with its least-privilege RBAC', () => {
  const suite = useOperatorNamespace('e2e-rbac', {
    env: () => {
      kubectl(['apply', '-f', `${repoRoot}deploy/base/namespace.yaml`, '-f', `${repoRoot}deploy/rbac/`]);
      return { KUBECONFIG: serviceAccountKubeconfig() };
    },
  });
  let ns: string;
  let operator: OperatorProcess;
  before(() => ({ ns, operator } = suite));

  it('the ServiceAccount may not do what the role leaves out', () => {
    // `can-i` answers on stdout and exits 1 for "no".
    const can = (verb: string, what: string, ...more: string[]) => spawnSync('kubectl', ['auth', 'can-i', verb, what, ...more, '-n', ns, '--as=system:serviceaccount:etcd-operator-system:etcd-operator'], { encoding: 'utf8' }).stdout.trim();
    assert.equal(can('create', 'pods'), 'yes');
    assert.equal(can('get', 'secrets'), 'yes', 'S3 credentials are read by name');
    assert.equal(can('list', 'secrets'), 'no');
    assert.equal(can('delete', 'etcdclusters.etcd.operator.dev'), 'no');
    assert.equal(can('create', 'pods', '--subresource=portforward'), 'yes', 'snapshots reach helper pods through port-forward');
    assert.equal(can('create', 'pods', '--subresource=exec'), 'no', 'never exec into a pod');
  });

  it('creates a 3-member cluster, scales it to 4 and back, restarts a deleted member, backs it up to S3 and to a PVC, deletes it with nothing left, and is never forbidden', async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('rbac', { size: 3 }));
    const c = await waitAvailable(ns, 'rbac');
    assert.equal(c.status!.members!.length, 3);
    for (const size of [4, 3]) {
      kubectl(['patch', 'etcdcluster', '-n', ns, 'rbac', '--type=merge', '-p', JSON.stringify({ spec: { size } })]);
      await waitConverged(ns, 'rbac', size);
    }
    kubectl(['delete', 'pod', '-n', ns, 'rbac-0', '--wait=true']);
    await waitFor('rbac-0 restarted', () => podUids(ns, 'rbac').has('rbac-0'), { timeoutMs: 60_000, intervalMs: 500 });
    await waitConverged(ns, 'rbac', 3);
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('rbac-1', { clusterName: 'rbac', destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: createS3Secret(ns) } } }));
    assert.equal((await waitBackupDone(ns, 'rbac-1')).status?.phase, 'Succeeded');
    // To a PVC: the receiver pod, its transfer Secret and NetworkPolicy, the port-forward, the remover pod.
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }));
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('rbac-2', { clusterName: 'rbac', destination: { pvc: { claimName: 'backups' } } }));
    assert.equal((await waitBackupDone(ns, 'rbac-2')).status?.phase, 'Succeeded');
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '-n', ns, 'rbac-1', 'rbac-2', '--wait=true', '--timeout=60s']);
    kubectl(['delete', 'etcdcluster', '-n', ns, 'rbac', '--wait=true', '--timeout=120s']);
    assert.deepEqual(objectsLeft(ns, 'rbac'), []);
    const log = readFileSync(operator.logFile, 'utf8');
    assert.doesNotMatch(log, /forbidden|\b403\b/i, `operator log ${operator.logFile}`);
  });
});
