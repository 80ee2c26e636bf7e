// The operator installed as users install it: the image from `npm run image`, `kubectl apply -k`
// of deploy/overlays/local-stack (through test/support/install.ts's renaming overlay), two replicas
// that both run the worker and the watchers. Verified with rollout status and etcdop doctor; a
// cluster created and resized while one replica is killed; a new operator image rolled out in the
// middle of an etcd upgrade; and `kubectl delete -k`, which removes the operator and keeps the
// CRDs, the cluster and its data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { ensureStack } from '../support/stack.ts';
import { execIn, kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { clusterYaml, getCluster, podUids, waitConverged } from '../support/clusters.ts';
import { waitFor } from '../support/wait.ts';
import { completedActivities } from '../support/history.ts';
import { applyInstall, buildOperatorImage, deleteInstall, doctor, operatorPods, retagOperatorImage, rolloutStatus, writeInstallOverlay, type Install } from '../support/install.ts';
import { OPERATOR_VERSION } from '../../worker/version.ts';
import { watchPodCreations } from '../support/pod-creations.ts';

const NAME = 'inst';
const FROM = '3.5.35';
const TO = '3.6.16';
interface Status { operation?: { type?: string; workflowId?: string }; members?: { id: string; version?: string; healthy: boolean }[] }
const status = (ns: string) => (getCluster(ns, NAME) as { status?: Status }).status;
const MEMBER_POD = new RegExp(`^${NAME}-\\d+$`);
const CRDS = ['etcdclusters.etcd.operator.dev', 'etcdbackups.etcd.operator.dev', 'etcdusers.etcd.operator.dev'];

/** The operator pod that started the latest activity of a workflow: its worker identity is pid@pod. */
async function podRunningLatestActivity(client: Client, workflowId: string): Promise<string | undefined> {
  return (await activityWorkers(client, workflowId)).at(-1);
}

/** The operator pods that started each activity of a workflow, in order. */
async function activityWorkers(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) => e.activityTaskStartedEventAttributes?.identity?.split('@')[1] ?? []);
}

describe('installed with kubectl apply -k: two replicas, verified, crash- and upgrade-safe, uninstalled without touching data', () => {
  let app: string;
  let cleanupApp: () => void;
  let install: Install;
  let connection: Connection;
  let client: Client;

  before(async () => {
    ensureStack();
    buildOperatorImage();
    ({ ns: app, cleanup: cleanupApp } = tempNamespace('e2e-install'));
    install = writeInstallOverlay({ from: 'overlays/local-stack', suffix: `i${Date.now().toString(36)}`, watch: [app] });
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
    client = new Client({ connection });
  });

  after(async () => {
    // Reinstalled if a test left it uninstalled: the cluster's finalizer needs the operator.
    applyInstall(install);
    rolloutStatus(install);
    kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', app, '--wait=true', '--timeout=180s']);
    deleteInstall(install);
    kubectl(['delete', 'namespace', install.namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
    cleanupApp();
    await connection.close();
  });

  it('installs the CRDs, the RBAC and a Deployment whose 2 replicas become ready, and etcdop doctor finds nothing wrong', { timeout: 600_000 }, async () => {
    applyInstall(install);
    rolloutStatus(install);
    const pods = kubectlJson<{ items: { metadata: { name: string }; status: { conditions?: { type: string; status: string }[] } }[] }>(['get', 'pods', '-n', install.namespace, '-l', 'app.kubernetes.io/name=etcd-operator']).items;
    assert.equal(pods.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length, 2, 'both replicas ready (/readyz: Temporal, API server, informers)');
    for (const crd of CRDS) kubectl(['get', 'crd', crd]);
    let out = '';
    await waitFor('doctor reports both replicas polling', () => { const d = doctor(install); out = d.output; return d.status === 0 && /ok\s+workers\s+2 polling/.test(d.output); }, { timeoutMs: 60_000, intervalMs: 2000 })
      .catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
    assert.match(out, /ok\s+crd etcdclusters\.etcd\.operator\.dev\s+Established, versions v1alpha1\*, schema of etcdop/);
    assert.match(out, new RegExp(`ok\\s+operator\\s+2/2 replicas ready, image etcd-operator\\.local/etcd-operator:${OPERATOR_VERSION.replaceAll('.', '\\.')}`));
    assert.match(out, new RegExp(`ok\\s+rbac\\s+ServiceAccount ${install.namespace}/${install.serviceAccount} has every permission the operator needs in ${app}`));
  });

  /** Kills (SIGKILL, no grace) the operator replica that started the latest activity of the running `kind` operation. */
  async function killReplicaRunning(kind: RegExp): Promise<string> {
    let victim: string | undefined;
    await waitFor(`an operator replica running a ${kind.source} activity`, async () => {
      const op = status(app)?.operation;
      if (!op?.workflowId || !kind.test(op.type ?? '')) return false;
      victim = await podRunningLatestActivity(client, op.workflowId);
      return victim !== undefined && operatorPods(install).includes(victim);
    }, { timeoutMs: 120_000, intervalMs: 200 });
    kubectl(['delete', 'pod', '-n', install.namespace, victim!, '--grace-period=0', '--force']);
    return victim!;
  }

  it('a replica killed mid-create leaves the other to finish: 3 members, each pod started once', { timeout: 600_000 }, async (t) => {
    const creations = await watchPodCreations(app, MEMBER_POD);
    t.after(() => creations.stop());
    kubectl(['apply', '-n', app, '-f', '-'], clusterYaml(NAME, { size: 3, version: FROM, storage: { size: '64Mi' } }));
    await killReplicaRunning(/create/i);
    const c = await waitConverged(app, NAME, 3, 300_000);
    assert.equal(new Set(c.status!.members!.map((m) => m.id)).size, 3, 'three distinct members');
    assert.deepEqual([...creations.counts().values()], [1, 1, 1], 'no member pod created twice');
    rolloutStatus(install); // the Deployment replaced the killed replica
  });

  it('a replica killed mid-resize (3 -> 5) leaves the other to finish: each new member added and promoted once', { timeout: 600_000 }, async () => {
    const since = new Date();
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', app, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size: 5 } })]);
    await killReplicaRunning(/scale/i);
    const c = await waitConverged(app, NAME, 5, 300_000);
    assert.equal(new Set(c.status!.members!.map((m) => m.id)).size, 5, 'five distinct members');
    const done = await completedActivities(client, app, NAME, since);
    assert.equal(done.get('addLearner'), 2, `each new member added once: ${JSON.stringify([...done])}`);
    assert.equal(done.get('promoteLearner'), 2, `each learner promoted once: ${JSON.stringify([...done])}`);
    rolloutStatus(install);
  });

  it('a new operator image rolled out during an etcd upgrade: the upgrade completes, each member restarted once', { timeout: 900_000 }, async (t) => {
    const creations = await watchPodCreations(app, MEMBER_POD);
    t.after(() => creations.stop());
    const ids = getCluster(app, NAME).status!.members!.map((m) => m.id).sort();
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', app, NAME, '--type=merge', '-p', JSON.stringify({ spec: { version: TO } })]);
    let upgradeId = '';
    await waitFor('the upgrade under way', () => {
      const op = status(app)?.operation;
      upgradeId = op?.workflowId ?? '';
      return /upgrade/i.test(op?.type ?? '') && upgradeId !== '';
    }, { timeoutMs: 120_000, intervalMs: 250 });
    const oldPods = new Set(operatorPods(install));
    const next = `${OPERATOR_VERSION}-next`;
    retagOperatorImage(next);
    const rolled = writeInstallOverlay({ from: 'overlays/local-stack', suffix: install.deployment.replace('etcd-operator-', ''), watch: [app], tag: next });
    applyInstall(rolled);
    rolloutStatus(rolled);
    await waitFor(`every member at ${TO}`, () => {
      const s = status(app);
      return s?.operation === undefined && s?.members?.length === 5 && s.members.every((m) => m.version === TO && m.healthy);
    }, { timeoutMs: 600_000, intervalMs: 1000 });
    assert.deepEqual(getCluster(app, NAME).status!.members!.map((m) => m.id).sort(), ids, 'the same members, upgraded in place');
    // Handed over mid-operation: the old image's replicas started it, the new image's finished it.
    const workers = await activityWorkers(client, upgradeId);
    assert.ok(workers.some((p) => oldPods.has(p)) && workers.some((p) => !oldPods.has(p)), `upgrade activities ran on old and new replicas: ${workers.join(', ')}`);
    const pods = creations.counts();
    assert.equal(pods.size, 5, `five member pods: ${JSON.stringify([...pods])}`);
    for (const [pod, n] of pods) assert.equal(n, 2, `${pod} restarted once (the pod before, one new pod)`);
    assert.match(kubectl(['get', 'deploy', '-n', install.namespace, install.deployment, '-o', 'jsonpath={.spec.template.spec.containers[0].image}']), new RegExp(`:${next.replaceAll('.', '\\.')}$`));
  });

  it('kubectl delete -k removes the operator but keeps the CRDs, the cluster and its data, and says so', { timeout: 300_000 }, async () => {
    const member = `${NAME}-0`;
    execIn(app, member, ['etcdctl', 'put', 'kept', 'yes']);
    const pods = podUids(app, NAME);
    const { status, output } = deleteInstall(install);
    assert.notEqual(status, 0, 'the refused CRDs make kubectl delete -k report an error');
    assert.match(output, /CRD etcdclusters\.etcd\.operator\.dev is kept/);
    await waitFor('the operator gone', () => !kubectl(['get', 'namespaces', '-o', 'name']).includes(`namespace/${install.namespace}\n`), { timeoutMs: 120_000, intervalMs: 1000 });
    for (const crd of CRDS) kubectl(['get', 'crd', crd]);
    const c = kubectlJson<{ metadata: { deletionTimestamp?: string } }>(['get', 'etcdclusters.etcd.operator.dev', '-n', app, NAME]);
    assert.equal(c.metadata.deletionTimestamp, undefined, 'the EtcdCluster is not being deleted');
    assert.deepEqual(podUids(app, NAME), pods, 'every member pod still the same');
    assert.equal(execIn(app, member, ['etcdctl', 'get', 'kept', '--print-value-only']).trim(), 'yes');
  });
});
