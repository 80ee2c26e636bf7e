// A cluster workflow terminated as from the Temporal UI is started again by the operator's next
// resync (5s here, ETCD_OPERATOR_RESYNC_SECONDS): a new run of the same workflow id takes the running
// cluster over (same pods, same members, still Available), a WorkflowRestarted Event says how the old
// run ended, and failover works again (a deleted member pod comes back as the same member); that run
// then runs the delete and completes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, eventReasons, getCluster, podUids, waitAvailable, waitConverged, type Member } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';
import { clusterWorkflowId } from '../../domain/ids.ts';
import { stateQuery } from '../../workflows/messages.ts';

const NAME = 'rs';
const RESYNC_SECONDS = 5;
const ids = (members: Member[]) => members.map((m) => `${m.name}=${m.id}`).sort();

describe('a terminated cluster workflow is started again by the watcher', () => {
  const suite = useOperatorNamespace('e2e-restart', { env: () => ({ ETCD_OPERATOR_RESYNC_SECONDS: String(RESYNC_SECONDS) }) });
  let ns: string;
  let connection: Connection;
  let client: Client;
  let workflow: () => WorkflowHandle;

  before(async () => {
    ({ ns } = suite);
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
    client = new Client({ connection });
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, { size: 3, storage: { size: '64Mi' } }));
    const c = await waitConverged(ns, NAME, 3);
    workflow = () => client.workflow.getHandle(clusterWorkflowId({ namespace: ns, name: NAME, uid: c.metadata.uid! }));
  });
  after(async () => { await connection?.close(); });

  it('terminated: a new run of the same workflow id within the resync period, the cluster taken over as it is and still Available', { timeout: 120_000 }, async () => {
    const members = ids(getCluster(ns, NAME).status!.members!);
    const pods = podUids(ns, NAME);
    const ended = await workflow().describe();
    assert.equal(ended.status.name, 'RUNNING');
    // Room to replay a long history on a busy worker (LONG_LIVED_TASK_TIMEOUT), not Temporal's 10 s.
    assert.equal(ended.raw.executionConfig?.defaultWorkflowTaskTimeout?.seconds?.toString(), '30');
    const operations = (await workflow().query(stateQuery)).operations;
    await workflow().terminate('e2e: terminated as from the Temporal UI');
    const terminatedAt = Date.now();

    const run = await waitFor('a new run', async () => {
      const d = await workflow().describe();
      return d.runId !== ended.runId && d.status.name === 'RUNNING' && d;
    }, { timeoutMs: 3 * RESYNC_SECONDS * 1000, intervalMs: 250 });
    assert.ok(Date.now() - terminatedAt < 3 * RESYNC_SECONDS * 1000);
    assert.equal(run.workflowId, ended.workflowId);

    const state = await waitFor('the new run took the cluster over', async () => {
      const s = await workflow().query(stateQuery);
      return s.created && s.converged && s;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(state.operations, operations, "no operation ran; the ended run's count carried over");
    const c = await waitAvailable(ns, NAME, 30_000);
    assert.deepEqual(ids(c.status!.members!), members, 'same members, same ids');
    assert.deepEqual(podUids(ns, NAME), pods, 'no pod touched');

    const restarted = kubectlJson<{ items: { reason: string; type: string; message: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${NAME},reason=WorkflowRestarted`]).items;
    assert.equal(restarted.length, 1);
    assert.equal(restarted[0]!.type, 'Warning');
    assert.match(restarted[0]!.message, /previous run ended as TERMINATED/);
  });

  it('failover works again: a deleted member pod comes back as the same member', { timeout: 240_000 }, async () => {
    const before = getCluster(ns, NAME).status!.members!;
    const victim = before.find((m) => !m.leader)!;
    const uid = podUids(ns, NAME).get(victim.name);
    kubectl(['delete', 'pod', '-n', ns, victim.name, '--wait=false']);
    await waitFor(`${victim.name} recreated`, () => { const u = podUids(ns, NAME).get(victim.name); return u !== undefined && u !== uid; }, { timeoutMs: 120_000, intervalMs: 500 });
    const c = await waitConverged(ns, NAME, 3);
    assert.deepEqual(ids(c.status!.members!), ids(before), 'same members, same ids: no membership change');
    assert.ok(eventReasons(ns, NAME).includes('MemberRestarted'));
  });

  // The suite's teardown (operator.drain) then checks that no workflow of this operator runs any more.
  it('deleted: the new run finishes the delete and completes', { timeout: 180_000 }, async () => {
    const run = (await workflow().describe()).runId;
    kubectl(['delete', 'etcdcluster.etcd.operator.dev', '-n', ns, NAME, '--wait=true', '--timeout=120s']);
    const done = await waitFor('the workflow completed', async () => { const d = await workflow().describe(); return d.status.name === 'COMPLETED' && d; }, { timeoutMs: 30_000 });
    assert.equal(done.runId, run, 'the run that took over ran the delete');
  });
});
