// The reconcile loop on the real dev server with the fake etcd + Kubernetes world: resize one member
// at a time, failover (restart on the volume, replace on lost data), the decisions that protect
// quorum, re-planning on a spec change, and crash-resume of every member-operation activity.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { deleteRequestedSignal, membersChangedSignal, retryUpdate, stateQuery } from '../../workflows/messages.ts';
import { waitFor, within } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome, type ClusterHandle } from './cluster-driver.ts';
import type { ActivityName, FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('reconcile'); });
after(async () => { await h?.close(); });

const { specChanged, idleAt, created } = clusterDriver(() => h);

/** The user edits spec.size: a new generation, signalled like the watcher does. */
async function resize(c: FakeCluster, size: number): Promise<ClusterHandle> {
  c.size = size;
  c.generation += 1;
  return specChanged(c, c.generation);
}

const voters = (c: FakeCluster) => [...c.members].filter(([, m]) => !m.learner).map(([n]) => n).sort();
const etcdWrites = (c: FakeCluster) => c.writes.filter((w) => w.startsWith('etcd '));

/** Settled: the spec's generation converged with exactly `names` as healthy voters and their pods. */
async function settled(c: FakeCluster, handle: ClusterHandle, names: string[], timeoutMs = 60_000): Promise<void> {
  await idleAt(handle, c.generation, timeoutMs);
  assert.deepEqual(voters(c), names);
  assert.deepEqual([...c.members.values()].filter((m) => m.learner), [], 'no learner left');
  assert.deepEqual([...c.pods.keys()].sort(), names, 'the member list equals the pods');
}

describe('reconcile loop: resize', () => {
  it('scale 3->5 adds learners one at a time and promotes each before the next joins', TIMEOUT, async () => {
    const { c, handle } = await created();
    await resize(c, 5);
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2', 'demo-3', 'demo-4']);
    assert.deepEqual(etcdWrites(c), ['etcd add learner demo-3', 'etcd promote demo-3', 'etcd add learner demo-4', 'etcd promote demo-4']);
    // Each learner's pod comes first and waits at its join gate; etcd adds it, then the gate opens.
    const w = c.writes;
    assert.ok(w.indexOf('create Pod/demo-3') < w.indexOf('etcd add learner demo-3') && w.indexOf('etcd add learner demo-3') < w.indexOf('open join gate demo-3') && w.indexOf('open join gate demo-3') < w.indexOf('etcd promote demo-3'));
    assert.equal(c.pods.get('demo-3')?.state, 'existing');
    assert.deepEqual(c.pods.get('demo-4')?.initialMembers, ['demo-0', 'demo-1', 'demo-2', 'demo-3', 'demo-4']);
    assert.equal(c.pdbMinAvailable, 3, 'the PDB follows the size');
    assert.deepEqual(c.outcomes.filter((o) => o.type === 'Scale').map((o) => [o.workflowId, o.result]), [[opId(c, 'Scale', 2), 'Succeeded'], [opId(c, 'Scale', 3), 'Succeeded']]);
    assert.equal(c.status.observedGeneration, 2);
  });

  it('scale 3->1 removes followers (newest first), each leaving etcd before its pod and volume go', TIMEOUT, async () => {
    const { c, handle } = await created();
    await resize(c, 1);
    await settled(c, handle, ['demo-0']);
    assert.deepEqual(etcdWrites(c), ['etcd remove demo-2', 'etcd remove demo-1']);
    const w = c.writes;
    for (const m of ['demo-2', 'demo-1']) {
      assert.ok(w.indexOf(`etcd remove ${m}`) < w.indexOf(`delete Pod/${m}`) && w.indexOf(`delete Pod/${m}`) < w.indexOf(`delete PersistentVolumeClaim/data-${m}`), m);
    }
    assert.equal(c.pdbMinAvailable, 1);
  });

  it('leadership is moved off a leaving member before it is removed, even when it became leader after the plan', TIMEOUT, async () => {
    const { c, handle } = await created();
    // demo-2 is the planned victim (a follower); it wins an election right before the removal.
    c.before('removeMember', (x) => { x.leader = 'demo-2'; });
    await resize(c, 2);
    await settled(c, handle, ['demo-0', 'demo-1']);
    const w = etcdWrites(c);
    assert.ok(w.includes('etcd move leader demo-2 -> demo-0'), w.join(', '));
    assert.ok(w.indexOf('etcd move leader demo-2 -> demo-0') < w.indexOf('etcd remove demo-2'));
  });

  it('retainOnDelete keeps a removed member\'s volume, marked as removed, and its name is never reused', TIMEOUT, async () => {
    const { c, handle } = await created({ retainOnDelete: true });
    await resize(c, 2);
    await settled(c, handle, ['demo-0', 'demo-1']);
    assert.ok(c.pvcs.get('data-demo-2')?.removedMember, 'kept, marked as a removed member\'s');
    await resize(c, 3);
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-3']);
  });

  it('a spec change in the middle of a resize re-plans after the current member step: 3->5 changed to 3 ends with 3', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.learnerCatchUpPolls = 3;
    await resize(c, 5);
    await waitFor('demo-3 joining', () => c.writes.includes('etcd add learner demo-3'));
    await resize(c, 3);
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2']);
    assert.equal(c.writes.includes('etcd add learner demo-4'), false, 'no second member joins once the spec says 3');
    assert.ok(c.writes.includes('etcd promote demo-3'), 'the step in flight finished');
    assert.ok(c.writes.includes('etcd remove demo-3'), 'then the loop shrank back to the spec');
  });

  it('a stale generation is ignored: no operation, nothing changes', TIMEOUT, async () => {
    const { c, handle } = await created();
    await resize(c, 4);
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2', 'demo-3']);
    const changes = () => c.writes.filter((w) => !w.startsWith('status ') && !w.startsWith('create Event/')).length;
    const before = { writes: changes(), ops: (await handle.query(stateQuery)).operations, observed: c.callsOf('observeCluster').length };
    await specChanged(c, 1); // a late, old event
    await handle.signal(membersChangedSignal);
    await waitFor('observed again', () => c.callsOf('observeCluster').length > before.observed);
    await idleAt(handle, 2);
    assert.equal((await handle.query(stateQuery)).operations, before.ops);
    assert.equal(changes(), before.writes);
  });
});

describe('reconcile loop: failover', () => {
  it('a deleted member pod with its volume comes back as the same member, no membership change', TIMEOUT, async () => {
    const { c, handle } = await created();
    const id = c.members.get('demo-1')!.id;
    c.killPod('demo-1');
    await handle.signal(membersChangedSignal);
    await waitFor('restart-member outcome', () => c.outcomes.find((o) => o.type === 'RestartMember'));
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2']);
    assert.equal(c.members.get('demo-1')!.id, id, 'same member id');
    assert.deepEqual(etcdWrites(c), [], 'no membership change');
    assert.equal(c.pods.get('demo-1')?.state, 'existing', 'never started as new again');
    assert.ok([...c.events.values()].some((e) => e.reason === 'MemberRestarted'));
  });

  it('a member that lost its volume is replaced: the fresh member\'s pod starts at its gate, the lost one is removed, then the fresh one joins as a learner and is promoted', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.loseData('demo-1');
    await handle.signal(membersChangedSignal);
    await waitFor('replace outcome', () => c.outcomes.find((o) => o.type === 'ReplaceMember'));
    await settled(c, handle, ['demo-0', 'demo-2', 'demo-3']);
    assert.deepEqual(etcdWrites(c), ['etcd remove demo-1', 'etcd add learner demo-3', 'etcd promote demo-3']);
    // Its volume is provisioned and its pod scheduled while the lost member leaves etcd.
    const at = (w: string) => c.writes.indexOf(w);
    assert.ok(at('create Pod/demo-3') >= 0 && at('create Pod/demo-3') < at('etcd remove demo-1'), c.writes.join('; '));
    assert.ok(at('etcd remove demo-1') < at('open join gate demo-3'), 'the gate opens only once etcd has the new member, after the removal');
    const reasons = [...c.events.values()].map((e) => e.reason);
    for (const r of ['ReplaceMemberStarted', 'MemberRemoving', 'MemberJoining', 'MemberReplaced', 'ReplaceMemberSucceeded']) assert.ok(reasons.includes(r), `${r} in ${reasons}`);
    assert.match(c.outcomes.find((o) => o.type === 'ReplaceMember')!.message, /demo-1 lost its data: its volume is gone/);
  });

  it('a replacement whose pod cannot start before the removal (a quota full) starts it after the removal, as before', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.failBefore('applyMember', () => ApplicationFailure.nonRetryable('Kubernetes refused the request (HTTP 403): pods "demo-3" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3 (a ResourceQuota of the namespace has no room for it)', 'QuotaExceeded'));
    c.loseData('demo-1');
    await handle.signal(membersChangedSignal);
    await waitFor('replace outcome', () => c.outcomes.find((o) => o.type === 'ReplaceMember'));
    await settled(c, handle, ['demo-0', 'demo-2', 'demo-3']);
    assert.equal(c.outcomes.find((o) => o.type === 'ReplaceMember')!.result, 'Succeeded');
    assert.deepEqual(etcdWrites(c), ['etcd remove demo-1', 'etcd add learner demo-3', 'etcd promote demo-3']);
    assert.ok(c.writes.indexOf('etcd remove demo-1') < c.writes.indexOf('create Pod/demo-3'), c.writes.join('; '));
    assert.equal(c.count('create Pod/demo-3'), 1);
  });

  it('a crash-looping member is replaced', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.crashLoop('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('replace outcome', () => c.outcomes.find((o) => o.type === 'ReplaceMember'));
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-3']);
  });

  it('never removes a member when that would lose quorum: 2 of 3 lost their data -> QuorumLost, nothing deleted', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('quorum-lost verdict', () => c.verdicts.some((v) => /no etcd member answers|quorum lost/.test(v)), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 3000)); // a few more observations
    assert.deepEqual(etcdWrites(c), []);
    assert.ok(!c.writes.some((w) => w.startsWith('delete ')), 'nothing deleted');
    assert.equal((await handle.query(stateQuery)).current, undefined, 'no operation runs');
  });

  it('several failed members are repaired one at a time', TIMEOUT, async () => {
    const { c, handle } = await created({ size: 5 });
    c.killPod('demo-1').loseData('demo-3');
    await handle.signal(membersChangedSignal);
    await waitFor('replace outcome', () => c.outcomes.find((o) => o.type === 'ReplaceMember'));
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2', 'demo-4', 'demo-5']);
    const kinds = c.outcomes.filter((o) => o.type !== 'Create').map((o) => o.type);
    assert.deepEqual(kinds, ['RestartMember', 'ReplaceMember'], 'restart on the volume first (safe), then the replacement');
  });

  it('a fresh cluster workflow over a cluster that has members adopts it instead of running Create', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 }).seedRunning();
    const handle = await specChanged(c, 1);
    await idleAt(handle, 1);
    const s = await handle.query(stateQuery);
    assert.deepEqual([s.created, s.operations], [true, 0]);
    assert.equal(c.callsOf('applyMember').length, 0);
  });
});

describe('reconcile loop: cancel and delete', () => {
  it('ops cancel of a running scale ends it Cancelled (not Failed) and the loop holds until a retry', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.learnerCatchUpPolls = 1000;
    await resize(c, 4);
    await waitFor('scale running', () => c.writes.includes('etcd add learner demo-3'));
    await h.client.workflow.getHandle(opId(c, 'Scale', 2)).cancel();
    const o = await outcome(c, opId(c, 'Scale', 2));
    assert.equal(o.result, 'Cancelled');
    await waitFor('ScaleCancelled event', () => [...c.events.values()].some((e) => e.reason === 'ScaleCancelled'));
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal((await handle.query(stateQuery)).current, undefined, 'held: nothing started on its own');
    c.learnerCatchUpPolls = 0;
    c.members.get('demo-3')!.catchUpPolls = 0;
    await handle.executeUpdate(retryUpdate);
    await settled(c, handle, ['demo-0', 'demo-1', 'demo-2', 'demo-3']);
  });

  it('deleting the cluster cancels a running operation and then deletes', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.learnerCatchUpPolls = 1000;
    await resize(c, 4);
    await waitFor('scale running', () => c.writes.includes('etcd add learner demo-3'));
    c.deleting = true;
    await handle.signal(deleteRequestedSignal);
    await within(45_000, 'cluster workflow', handle.result());
    assert.deepEqual(c.outcomes.filter((o) => o.type !== 'Create').map((o) => [o.type, o.result]), [['Scale', 'Cancelled'], ['Delete', 'Succeeded']]);
    assert.equal(c.exists, false);
  });
});

describe('reconcile loop: crash-resume of member operations (effect done, reply lost, retried)', () => {
  const cases: { activity: ActivityName; op: 'up' | 'down' | 'restart' | 'replace' }[] = [
    { activity: 'addLearner', op: 'up' }, { activity: 'applyMember', op: 'up' }, { activity: 'promoteLearner', op: 'up' }, { activity: 'applyDisruptionBudget', op: 'up' },
    { activity: 'moveLeaderAway', op: 'down' }, { activity: 'removeMember', op: 'down' }, { activity: 'deleteMemberPod', op: 'down' }, { activity: 'releaseMemberVolume', op: 'down' },
    { activity: 'applyMember', op: 'restart' },
    { activity: 'applyMember', op: 'replace' }, { activity: 'removeMember', op: 'replace' }, { activity: 'addLearner', op: 'replace' }, { activity: 'promoteLearner', op: 'replace' },
  ];
  for (const { activity, op } of cases) {
    it(`${op}: ${activity} failing after its effect happens exactly once`, TIMEOUT, async () => {
      const { c, handle } = await created();
      c.crashAfter(activity);
      if (op === 'up') {
        await resize(c, 4);
        await settled(c, handle, ['demo-0', 'demo-1', 'demo-2', 'demo-3']);
        assert.equal(c.count('etcd add learner demo-3'), 1);
        assert.equal(c.count('create Pod/demo-3'), 1);
        assert.equal(c.count('etcd promote demo-3'), 1);
      } else if (op === 'down') {
        if (activity === 'moveLeaderAway') c.before('moveLeaderAway', (x) => { x.leader = 'demo-2'; });
        await resize(c, 2);
        await settled(c, handle, ['demo-0', 'demo-1']);
        assert.equal(c.count('etcd remove demo-2'), 1);
        assert.equal(c.count('delete Pod/demo-2'), 1);
        assert.equal(c.count('delete PersistentVolumeClaim/data-demo-2'), 1);
      } else if (op === 'restart') {
        c.killPod('demo-1');
        await handle.signal(membersChangedSignal);
        await waitFor('restart outcome', () => c.outcomes.find((o) => o.type === 'RestartMember'));
        await settled(c, handle, ['demo-0', 'demo-1', 'demo-2']);
        assert.equal(c.count('create Pod/demo-1'), 2, 'once by Create, once by the restart');
      } else {
        c.loseData('demo-1');
        await handle.signal(membersChangedSignal);
        await waitFor('replace outcome', () => c.outcomes.find((o) => o.type === 'ReplaceMember'));
        await settled(c, handle, ['demo-0', 'demo-2', 'demo-3']);
        assert.deepEqual(etcdWrites(c), ['etcd remove demo-1', 'etcd add learner demo-3', 'etcd promote demo-3']);
        assert.equal(c.count('create Pod/demo-3'), 1);
      }
      assert.ok(c.callsOf(activity).some((x) => x.error?.startsWith('injected crash')), 'the fault fired');
    });
  }
});
