// The watcher's dispatcher against the real dev server and the real cluster workflow (fake etcd and
// Kubernetes): a run terminated as from the Temporal UI is started again by the next resync, a new
// run of the same workflow id that adopts the cluster (no second Create), carries the ended run's
// counters and repairs a lost pod again; a run that finished a delete is never started again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Kube } from '../../k8s/kube-client.ts';
import { Dispatcher } from '../../client/dispatcher.ts';
import { FINALIZER } from '../../k8s/api.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import { clusterWorkflowId } from '../../domain/ids.ts';
import { deleteRequestedSignal, membersChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { waitFor, within } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, type ClusterHandle } from './cluster-driver.ts';
import type { FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('restart'); });
after(async () => { await h?.close(); });

const { created, childExists, idleAt } = clusterDriver(() => h);
const log = pino({ level: 'silent' });

/** The EtcdCluster as the watcher's cache holds it: converged at the fake cluster's generation, our finalizer on. */
function object(c: FakeCluster, o: { deleting?: boolean } = {}): EtcdCluster {
  return {
    metadata: { ...c.key, generation: c.generation, finalizers: [FINALIZER], ...(o.deleting && { deletionTimestamp: '2026-01-01T00:00:00Z' as unknown as Date }) },
    spec: { size: c.size },
    status: { observedGeneration: c.generation, conditions: [{ type: 'SpecValid', status: 'True', reason: 'Valid', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: c.generation }] },
  };
}

/** A Kube for the dispatcher: `read` is what a fresh GET returns; Events are recorded. */
function kube(read: () => EtcdCluster | undefined) {
  const events: { reason?: string; message?: string }[] = [];
  const k = {
    getCluster: async () => read(),
    updateClusterStatus: async () => {},
    createEvent: async (e: { reason?: string; message?: string }) => { events.push(e); },
  } as unknown as Kube;
  return { kube: k, events };
}

describe('a cluster workflow that ended is started again by the watcher', () => {
  it('terminated: the next resync starts a new run of the same id that adopts the cluster, keeps its counters, and repairs a deleted pod', TIMEOUT, async () => {
    const { c, handle } = await created();
    const ended = await handle.describe();
    // The dispatcher waits for the ended run's operations by ParentWorkflowId: the server records it.
    const children = await waitFor('create-1 listed by its parent', async () => {
      const ids: string[] = [];
      for await (const w of h.client.workflow.list({ query: `ParentWorkflowId = '${clusterWorkflowId(c.key)}'` })) ids.push(w.workflowId);
      return ids.length > 0 && ids;
    });
    assert.deepEqual(children, [opId(c, 'Create', 1)]);
    await handle.terminate('terminated from the Temporal UI');
    const k = kube(() => object(c));
    const d = new Dispatcher(h.client, k.kube, h.taskQueue, log);
    await d.handle(object(c), { resync: true });

    const next: ClusterHandle = h.track(h.client.workflow.getHandle(clusterWorkflowId(c.key)));
    const run = await next.describe();
    assert.equal(run.status.name, 'RUNNING');
    assert.notEqual(run.runId, ended.runId, 'a new run of the same workflow id');
    await idleAt(next, 1);
    const st = await next.query(stateQuery);
    assert.equal(st.created, true, 'adopted');
    assert.equal(st.operations, 1, "the ended run's operation count carried over");
    assert.equal(await childExists(opId(c, 'Create', 2)), false, 'no second Create');
    assert.equal(c.callsOf('applyServices').length, 1);
    assert.deepEqual(k.events.map((e) => e.reason), ['WorkflowRestarted']);
    assert.match(k.events[0]!.message!, /previous run ended as TERMINATED/);

    // Another resync finds it running: nothing more.
    await d.handle(object(c), { resync: true });
    assert.equal((await next.describe()).runId, run.runId);
    assert.equal(k.events.length, 1);

    // Failover works again, under operation numbers the ended run never used.
    const id = c.members.get('demo-1')!.id;
    c.killPod('demo-1');
    await next.signal(membersChangedSignal);
    const restarted = await waitFor('restart-member outcome', () => c.outcomes.find((o) => o.type === 'RestartMember'));
    assert.equal(restarted.result, 'Succeeded');
    assert.equal(restarted.workflowId, opId(c, 'RestartMember', 2));
    assert.equal(c.members.get('demo-1')!.id, id, 'the same member, on its volume');
  });

  it('a run that finished a delete is not started again, though the cache still shows the object with our finalizer', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.deleting = true;
    await handle.signal(deleteRequestedSignal);
    await within(45_000, 'cluster workflow', handle.result());
    const done = await handle.describe();
    assert.equal(done.status.name, 'COMPLETED');
    const k = kube(() => undefined); // the finalizer went last: the object is gone
    await new Dispatcher(h.client, k.kube, h.taskQueue, log).handle(object(c, { deleting: true }), { resync: true });
    const latest = await h.client.workflow.getHandle(clusterWorkflowId(c.key)).describe();
    assert.equal(latest.runId, done.runId);
    assert.equal(latest.status.name, 'COMPLETED');
    assert.deepEqual(k.events, []);
  });
});
