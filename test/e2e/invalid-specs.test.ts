// Bad EtcdCluster specs are refused by the real API server at admission (CRD schema + CEL),
// each with a message naming the field, and nothing is created.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ensureStack } from '../support/stack.ts';
import { kubectl, tempNamespace } from '../support/kube.ts';
import { OperatorProcess } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';
import { waitEvent } from '../support/clusters.ts';

const obj = (name: string, spec: unknown) => JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec });

function rejected(ns: string, verb: string[], input?: string): string {
  const r = spawnSync('kubectl', [...verb, '-n', ns], { input, encoding: 'utf8', env: process.env });
  assert.notEqual(r.status, 0, `expected rejection, got: ${r.stdout}`);
  return r.stderr;
}

const cases: [string, unknown, RegExp][] = [
  ['size 0', { size: 0 }, /spec\.size/],
  ['size 10', { size: 10 }, /spec\.size/],
  ['size as a word', { size: 'three' }, /spec\.size/],
  ['version latest', { version: 'latest' }, /spec\.version/],
  ['version with a v', { version: 'v3.6.0' }, /spec\.version/],
  ['unsupported minor 3.4', { version: '3.4.0' }, /spec\.version/],
  ['storage size not a quantity', { storage: { size: 'lots' } }, /spec\.storage\.size/],
  ['heartbeat below 10ms', { options: { heartbeatIntervalMs: 1 } }, /spec\.options\.heartbeatIntervalMs/],
  ['election timeout under 5x heartbeat', { options: { heartbeatIntervalMs: 100, electionTimeoutMs: 300 } }, /electionTimeoutMs/],
  ['snapshot count 0', { options: { snapshotCount: 0 } }, /spec\.options\.snapshotCount/],
  ['unknown compaction mode', { options: { autoCompactionMode: 'hourly' } }, /spec\.options\.autoCompactionMode/],
  ['negative quota', { options: { quotaBackendBytes: -1 } }, /spec\.options\.quotaBackendBytes/],
  ['bad toleration operator', { pod: { tolerations: [{ key: 'a', operator: 'Maybe' }] } }, /spec\.pod\.tolerations\[0\]\.operator/],
  ['paused as a string', { paused: 'yes' }, /spec\.paused/],
  ['a backup schedule that is no cron', { backup: { schedule: 'hourly', destination: { pvc: { claimName: 'b' } } } }, /spec\.backup\.schedule/],
  ['a backup retention of 0', { backup: { schedule: '@hourly', retention: 0, destination: { pvc: { claimName: 'b' } } } }, /spec\.backup\.retention/],
  ['a backup destination with both s3 and pvc', { backup: { schedule: '@hourly', destination: { pvc: { claimName: 'b' }, s3: { bucket: 'bkt', credentialsSecret: 's' } } } }, /exactly one of s3 or pvc/],
  ['a bootstrap with two sources', { bootstrap: { backup: { name: 'b', s3: { bucket: 'bkt', key: 'k', credentialsSecret: 's' } } } }, /exactly one of name or s3/],
  ['a bootstrap onto emptyDir', { storage: { emptyDir: true }, bootstrap: { backup: { name: 'b' } } }, /spec\.bootstrap needs PVC storage/],
  ['an unknown recovery policy', { recovery: { policy: 'Auto' } }, /spec\.recovery\.policy/],
];

describe('invalid EtcdCluster specs', () => {
  let ns: string;
  let cleanup: () => void;
  before(() => { ensureStack(); OperatorProcess.installCrds(); ({ ns, cleanup } = tempNamespace('e2e-invalid')); });
  after(() => { cleanup?.(); });

  for (const [what, spec, field] of cases) {
    it(`rejects ${what} at admission, naming the field`, () => {
      const stderr = rejected(ns, ['create', '-f', '-'], obj('bad', spec));
      assert.match(stderr, field);
      assert.equal(kubectl(['get', 'etcdcluster', '-n', ns, '--ignore-not-found', '-o', 'name']).trim(), '');
    });
  }

  it('a spec admission cannot judge (repository with a tag) gets SpecValid=False and an Event, and no pods', async () => {
    const operator = new OperatorProcess(ns);
    operator.start();
    try {
      kubectl(['create', '-n', ns, '-f', '-'], obj('tagged', { size: 1, repository: 'quay.io/coreos/etcd:v3.5.0' }));
      const cond = await waitFor('SpecValid=False', () => {
        const c = JSON.parse(kubectl(['get', 'etcdcluster', '-n', ns, 'tagged', '-o', 'json'])) as { status?: { conditions?: { type: string; status: string; message?: string }[] } };
        return c.status?.conditions?.find((x) => x.type === 'SpecValid' && x.status === 'False');
      }, { timeoutMs: 60_000, intervalMs: 500 });
      assert.match(cond.message ?? '', /spec\.repository/);
      await waitEvent(ns, 'tagged', 'InvalidSpec', /spec\.repository/);
      assert.equal(kubectl(['get', 'pods', '-n', ns, '-o', 'name']).trim(), '', 'no member was created');
    } finally {
      await operator.stop();
      kubectl(['delete', 'etcdcluster', '-n', ns, 'tagged', '--ignore-not-found', '--wait=true', '--timeout=60s']);
    }
  });

  it('rejects a cluster name too long for its member and Service names', () => {
    assert.match(rejected(ns, ['create', '-f', '-'], obj('x'.repeat(60), {})), /metadata\.name|name/);
  });

  it('rejects a minor-version downgrade, a storage class change and a bootstrap added later on update (CEL)', () => {
    kubectl(['create', '-n', ns, '-f', '-'], obj('ok', { size: 1, version: '3.6.16', paused: true, storage: { storageClassName: 'local-path' } }));
    try {
      assert.match(rejected(ns, ['patch', 'etcdcluster', 'ok', '--type=merge', '-p', '{"spec":{"version":"3.5.35"}}']), /spec\.version|downgrade/i);
      assert.match(rejected(ns, ['patch', 'etcdcluster', 'ok', '--type=merge', '-p', '{"spec":{"storage":{"storageClassName":"other"}}}']), /storageClassName/);
      assert.match(rejected(ns, ['patch', 'etcdcluster', 'ok', '--type=merge', '-p', '{"spec":{"bootstrap":{"backup":{"name":"later"}}}}']), /spec\.bootstrap is immutable/);
      kubectl(['patch', 'etcdcluster', 'ok', '-n', ns, '--type=merge', '-p', '{"spec":{"version":"3.6.17"}}']); // a patch upgrade is fine
    } finally {
      kubectl(['delete', 'etcdcluster', 'ok', '-n', ns, '--wait=true', '--timeout=60s']);
    }
  });

  it('rejects EtcdBackups admission can judge: both destinations, a bad bucket, a path escaping its volume, a changed clusterName', () => {
    const backup = (name: string, spec: unknown) => JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name }, spec });
    assert.match(rejected(ns, ['create', '-f', '-'], backup('two', { clusterName: 'db', destination: { pvc: { claimName: 'b' }, s3: { bucket: 'bkt', credentialsSecret: 's' } } })), /exactly one of s3 or pvc/);
    assert.match(rejected(ns, ['create', '-f', '-'], backup('bkt', { clusterName: 'db', destination: { s3: { bucket: 'Bad_Bucket', credentialsSecret: 's' } } })), /spec\.destination\.s3\.bucket/);
    assert.match(rejected(ns, ['create', '-f', '-'], backup('esc', { clusterName: 'db', destination: { pvc: { claimName: 'b', path: '../x' } } })), /spec\.destination\.pvc\.path/);
    assert.match(rejected(ns, ['create', '-f', '-'], backup('none', { destination: { pvc: { claimName: 'b' } } })), /clusterName/);
    kubectl(['create', '-n', ns, '-f', '-'], backup('ok', { clusterName: 'db', destination: { pvc: { claimName: 'b' } } }));
    try {
      assert.match(rejected(ns, ['patch', 'etcdbackups.etcd.operator.dev', 'ok', '--type=merge', '-p', '{"spec":{"clusterName":"other"}}']), /immutable/);
    } finally {
      kubectl(['delete', 'etcdbackups.etcd.operator.dev', 'ok', '-n', ns, '--wait=true', '--timeout=30s']); // no operator here: no finalizer
    }
  });
});
