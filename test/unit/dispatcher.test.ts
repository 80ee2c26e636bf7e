// The watcher's dispatcher with a fake Temporal client: a dispatch that failed (Temporal down) is
// sent again on the next event or resync, for spec changes and for member pod readiness flips; a
// resync starts a new run of a cluster workflow that ended while its EtcdCluster still needs it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../../k8s/kube-client.ts';
import { Dispatcher, revival, type Revival, type RunStatus } from '../../client/dispatcher.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import { FINALIZER } from '../../k8s/api.ts';
import { dispatchDecision } from '../../client/dispatch-decision.ts';
import type { ClusterWorkflowState } from '../../domain/types.ts';

function fakeClient(failures: number) {
  const sent: string[] = [];
  const ids: string[] = [];
  let left = failures;
  const attempt = (what: string) => {
    if (left-- > 0) throw new Error('connection refused: Temporal is down');
    sent.push(what);
  };
  const client = {
    workflow: {
      signalWithStart: async (_: string, o: { signal: string; workflowId: string }) => { attempt(o.signal); ids.push(o.workflowId); return { signaledRunId: 'run-1' }; },
      getHandle: (id: string) => ({
        signal: async (s: { name: string }) => { attempt(s.name); ids.push(id); },
        // No loop of operator 0.1.0 exists for these clusters.
        describe: async () => { throw new WorkflowNotFoundError('not found', id, undefined); },
      }),
    },
  } as unknown as Client;
  return { client, sent, ids };
}
const kube = { updateClusterStatus: async () => {} } as unknown as Kube;
const log = pino({ level: 'silent' });
const cluster: EtcdCluster = {
  metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 2, finalizers: [] },
  spec: { size: 3 },
  status: { conditions: [{ type: 'SpecValid', status: 'True', reason: 'Valid', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 }] },
};
const pod = (ready: boolean): V1Pod => ({
  metadata: { name: 'db-0', uid: 'p1', ownerReferences: [{ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: 'u1' }] },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('Dispatcher', () => {
  it('a spec change whose signal failed is signalled again on the next event (relist/resync), and once only after that', async () => {
    const { client, sent } = fakeClient(1);
    const d = new Dispatcher(client, kube, 'q', log);
    await assert.rejects(d.handle(cluster));
    await d.handle(cluster);
    await d.handle(cluster);
    assert.deepEqual(sent, ['specChanged']);
  });

  it('the loop of a new cluster runs under the readable ID etcd/<namespace>/<name>/<uid>; its pods signal that one', async () => {
    const { client, ids } = fakeClient(0);
    const d = new Dispatcher(client, kube, 'q', log);
    await d.handle(cluster);
    await d.podChanged({ ...pod(true), metadata: { ...pod(true).metadata, namespace: 'ns' } });
    assert.deepEqual(ids, ['etcd/ns/db/u1', 'etcd/ns/db/u1']);
  });

  it('a pod readiness flip whose signal failed is signalled again for the same readiness', async () => {
    const { client, sent } = fakeClient(1);
    const d = new Dispatcher(client, kube, 'q', log);
    await assert.rejects(d.podChanged(pod(false)));
    await d.podChanged(pod(false));
    await d.podChanged(pod(false));
    await d.podChanged(pod(true));
    assert.deepEqual(sent, ['membersChanged', 'membersChanged']);
  });

  it("SpecValid=False ImageUnavailable (an operation found the spec's image cannot be pulled) is kept for that generation, replaced by True on the next edit", async () => {
    const writes: unknown[] = [];
    const recording = { updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => unknown) => { writes.push(build(cluster)); } } as unknown as Kube;
    const unavailable = { type: 'SpecValid' as const, status: 'False' as const, reason: 'ImageUnavailable', message: 'image x cannot be pulled', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 };
    const d = new Dispatcher(fakeClient(0).client, recording, 'q', log);
    await d.handle({ ...cluster, status: { conditions: [unavailable] } });
    assert.equal(writes.length, 0, 'a relist after an operator restart keeps it');
    await d.handle({ ...cluster, metadata: { ...cluster.metadata, generation: 3 }, status: { conditions: [unavailable] } });
    assert.equal(writes.length, 1, 'the next edit is checked again');
  });
});

const observed: EtcdCluster = {
  metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 2, finalizers: [FINALIZER] },
  spec: { size: 3 },
  status: { observedGeneration: 2, conditions: [{ type: 'SpecValid', status: 'True', reason: 'Valid', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 }] },
};
const newGeneration: EtcdCluster = { ...observed, metadata: { ...observed.metadata, generation: 3 } };
const deleting: EtcdCluster = { ...observed, metadata: { ...observed.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' as unknown as Date } };
const deleted: EtcdCluster = { ...deleting, metadata: { ...deleting.metadata, finalizers: [] } };
const invalid: EtcdCluster = { ...observed, spec: { size: 0 } };

describe('revival: must a resync start the cluster workflow again?', () => {
  interface Case { name: string; obj: EtcdCluster; run: RunStatus; want: Revival['kind']; signal?: string; report?: boolean }
  const cases: Case[] = [
    { name: 'running: nothing', obj: observed, run: 'RUNNING', want: 'none' },
    { name: 'continued as new (describe follows the chain, but if it says so): nothing', obj: observed, run: 'CONTINUED_AS_NEW', want: 'none' },
    { name: 'status unknown: nothing (cannot tell)', obj: observed, run: 'UNKNOWN', want: 'none' },
    ...(['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED', 'COMPLETED'] as const).map((run): Case => (
      { name: `${run} while the cluster is converged: a new run, reported`, obj: observed, run, want: 'start', signal: 'specChanged', report: true })),
    { name: 'TERMINATED with a newer generation: a new run with the spec change', obj: newGeneration, run: 'TERMINATED', want: 'start', signal: 'specChanged', report: true },
    { name: 'TERMINATED while being deleted with our finalizer: a new run finishes the delete', obj: deleting, run: 'TERMINATED', want: 'start', signal: 'deleteRequested', report: true },
    { name: 'COMPLETED after the delete removed our finalizer: nothing (the object is going away)', obj: deleted, run: 'COMPLETED', want: 'none' },
    { name: 'TERMINATED with an invalid spec: nothing until the next valid edit', obj: invalid, run: 'TERMINATED', want: 'none' },
    { name: 'no run found for a cluster a workflow has run for (history gone): a new run, reported', obj: observed, run: 'NOT_FOUND', want: 'start', signal: 'specChanged', report: true },
    { name: 'no run found for a cluster never handled (no finalizer yet): an ordinary first start, not reported', obj: { ...newGeneration, metadata: { ...newGeneration.metadata, finalizers: [] } }, run: 'NOT_FOUND', want: 'start', signal: 'specChanged', report: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = revival(dispatchDecision(c.obj), c.run, c.obj.metadata.finalizers?.includes(FINALIZER) ?? false);
      assert.equal(r.kind, c.want);
      if (r.kind === 'start') assert.deepEqual({ signal: r.signal, report: r.report }, { signal: c.signal, report: c.report });
    });
  }
});

/** A fake Temporal client whose cluster workflow has `runs` (newest last) and `children` still running. */
function temporal(o: { status: RunStatus; state?: Partial<ClusterWorkflowState>; children?: string[]; queryFails?: boolean }) {
  const starts: { signal: string; signalArgs: unknown[]; args: { key: unknown; state?: ClusterWorkflowState }[]; workflowIdReusePolicy?: string; workflowIdConflictPolicy?: string }[] = [];
  const queried: (string | undefined)[] = [];
  const world = { status: o.status, children: o.children ?? [] };
  const client = {
    withDeadline: async <R>(_: number, fn: () => Promise<R>) => fn(),
    workflow: {
      signalWithStart: async (_: string, opts: (typeof starts)[number]) => {
        starts.push(opts);
        world.status = 'RUNNING';
        return { signaledRunId: 'new-run-0123' };
      },
      getHandle: (id: string, runId?: string) => ({
        describe: async () => {
          // This cluster's loop was started by this operator version (readable ID); no 0.1.0 one exists.
          if (world.status === 'NOT_FOUND' || id.startsWith('etcdcluster-')) throw new WorkflowNotFoundError('not found', id, undefined);
          return { runId: 'old-run-4567', status: { name: world.status } };
        },
        query: async () => { queried.push(runId); if (o.queryFails) throw new Error('query failed'); return { created: true, operations: 7, highestMemberIndex: 5, certificateIssues: 2, seenGeneration: 2, doneGeneration: 2, deleteRequested: false, failedGeneration: -1, ...o.state }; },
        signal: async () => {},
      }),
      list: (_: { query: string }) => (async function* () { for (const id of world.children) yield { workflowId: id }; })(),
    },
  } as unknown as Client;
  return { client, starts, queried, world };
}

/** A fake Kube: `current` is what a fresh read returns; status writes and Events are recorded. */
function kubeWith(current: EtcdCluster | undefined) {
  const events: { reason?: string; message?: string; type?: string; metadata?: { name?: string } }[] = [];
  const statusWrites: unknown[] = [];
  const k = {
    getCluster: async () => current,
    updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => unknown) => { statusWrites.push(build(current!)); },
    createEvent: async (e: (typeof events)[number]) => { events.push(e); },
  } as unknown as Kube;
  return { kube: k, events, statusWrites };
}

describe('Dispatcher resync: a cluster workflow that ended is started again', () => {
  it('a terminated run is followed by a new run of the same id (ALLOW_DUPLICATE), carrying its counters, with a WorkflowRestarted Event', async () => {
    const t = temporal({ status: 'TERMINATED' });
    const k = kubeWith(observed);
    const d = new Dispatcher(t.client, k.kube, 'q', log);
    await d.handle(observed, { resync: true });
    assert.equal(t.starts.length, 1);
    const s = t.starts[0]!;
    assert.equal(s.signal, 'specChanged');
    assert.deepEqual(s.signalArgs, [{ generation: 2 }]);
    assert.equal(s.workflowIdReusePolicy, 'ALLOW_DUPLICATE');
    assert.equal(s.workflowIdConflictPolicy, 'USE_EXISTING');
    assert.deepEqual(t.queried, ['old-run-4567'], 'the ended run itself is queried');
    const state = s.args[0]!.state!;
    assert.deepEqual({ created: state.created, operations: state.operations, highestMemberIndex: state.highestMemberIndex, certificateIssues: state.certificateIssues },
      { created: false, operations: 7, highestMemberIndex: 5, certificateIssues: 2 }, 'counters carried; the new run adopts the cluster itself');
    assert.equal(k.events.length, 1);
    assert.equal(k.events[0]!.reason, 'WorkflowRestarted');
    assert.equal(k.events[0]!.type, 'Warning');
    assert.match(k.events[0]!.message!, /previous run ended as TERMINATED/);
    assert.match(k.events[0]!.metadata!.name!, /^db\.workflow-restarted-old-run-/);

    // The next resync finds it running: nothing more.
    await d.handle(observed, { resync: true });
    assert.equal(t.starts.length, 1);
    assert.equal(k.events.length, 1);
  });

  it('an ordinary event (not a resync) does not look at the run, as before', async () => {
    const t = temporal({ status: 'TERMINATED' });
    const d = new Dispatcher(t.client, kubeWith(observed).kube, 'q', log);
    await d.handle(observed);
    assert.equal(t.starts.length, 0);
  });

  it('a run that ended during a delete is started again to finish it', async () => {
    const t = temporal({ status: 'TERMINATED' });
    const k = kubeWith(deleting);
    await new Dispatcher(t.client, k.kube, 'q', log).handle(deleting, { resync: true });
    assert.deepEqual(t.starts.map((s) => s.signal), ['deleteRequested']);
    assert.match(k.events[0]!.message!, /finishes the delete/);
  });

  it('a delete that finished (fresh read: our finalizer gone) is not started again, though the cache still shows the finalizer', async () => {
    const t = temporal({ status: 'COMPLETED' });
    const k = kubeWith(deleted);
    await new Dispatcher(t.client, k.kube, 'q', log).handle(deleting, { resync: true });
    assert.equal(t.starts.length, 0);
    assert.equal(k.events.length, 0);
  });

  it('an EtcdCluster gone (or replaced by a namesake) by the fresh read: nothing started', async () => {
    for (const now of [undefined, { ...observed, metadata: { ...observed.metadata, uid: 'u2' } }]) {
      const t = temporal({ status: 'TERMINATED' });
      await new Dispatcher(t.client, kubeWith(now).kube, 'q', log).handle(observed, { resync: true });
      assert.equal(t.starts.length, 0);
    }
  });

  it('an operation of the ended run still running: no new run until it finished (never two operations at once)', async () => {
    const t = temporal({ status: 'TERMINATED', children: ['etcdcluster-u1/replace-member-7'] });
    const k = kubeWith(observed);
    const d = new Dispatcher(t.client, k.kube, 'q', log);
    await d.handle(observed, { resync: true });
    assert.equal(t.starts.length, 0);
    t.world.children = [];
    await d.handle(observed, { resync: true });
    assert.equal(t.starts.length, 1);
  });

  it('a run whose history is gone (NOT_FOUND) of a cluster we ran: started again and reported; the ended state cannot be read', async () => {
    const t = temporal({ status: 'NOT_FOUND' });
    const k = kubeWith(observed);
    await new Dispatcher(t.client, k.kube, 'q', log).handle(observed, { resync: true });
    assert.equal(t.starts.length, 1);
    assert.equal(t.starts[0]!.args[0]!.state, undefined);
    assert.deepEqual(t.queried, []);
    assert.match(k.events[0]!.message!, /no run of it was found/);
  });

  it('a state query that fails still starts the new run (counting operations from 1)', async () => {
    const t = temporal({ status: 'FAILED', queryFails: true });
    const k = kubeWith(observed);
    await new Dispatcher(t.client, k.kube, 'q', log).handle(observed, { resync: true });
    assert.equal(t.starts.length, 1);
    assert.equal(t.starts[0]!.args[0]!.state, undefined);
    assert.match(k.events[0]!.message!, /ended as FAILED/);
  });

  it('a new generation seen by the resync that restarts: SpecValid written, then the new run gets that generation', async () => {
    const t = temporal({ status: 'TERMINATED' });
    const k = kubeWith(newGeneration);
    const d = new Dispatcher(t.client, k.kube, 'q', log);
    await d.handle(newGeneration, { resync: true });
    assert.equal(k.statusWrites.length, 1);
    assert.deepEqual(t.starts.map((s) => s.signalArgs), [[{ generation: 3 }]]);
    // The ordinary event for the same generation does not signal it again.
    await d.handle(newGeneration);
    assert.equal(t.starts.length, 1);
  });
});
