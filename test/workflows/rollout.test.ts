// Rolling changes on the real dev server with the fake etcd + Kubernetes world: a version change is
// one Upgrade (path check, image check, backup, then each member restarted on its volume, followers
// first, the leader last after moving leadership to an updated member), any other pod change a
// RollingUpdate, nothing for a no-op; pause between members, failure -> Degraded + retry resumes
// where it stopped, a crash at any step never restarts a member twice; defrag and NOSPACE.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { defragUpdate, membersChangedSignal, retryUpdate, stateQuery } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome } from './cluster-driver.ts';
import type { ActivityName, FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('rollout'); });
after(async () => { await h?.close(); });

const { created, specChanged, idleAt } = clusterDriver(() => h);
const members = ['demo-0', 'demo-1', 'demo-2'];
/** Pods deleted and created after Create (which made `created` pods), in order. */
const restarts = (c: FakeCluster, created = 3) => c.writes.filter((w) => /^(delete|create) Pod\//.test(w)).slice(created);
const eventsOf = (c: FakeCluster, reason: string) => [...c.events.values()].filter((e) => e.reason === reason).map((e) => e.message);

async function upgraded(version = '3.5.35') {
  const { c, handle } = await created({ version });
  return { c, handle };
}

describe('rolling upgrade', () => {
  it('3.5.35 -> 3.6.16: path and image checked, a backup first, then followers one at a time, the leader last after leadership moved to an updated member', TIMEOUT, async () => {
    const { c, handle } = await upgraded();
    c.backupDestination = true;
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Succeeded', o.message);
    assert.equal(o.message, 'Upgrade 3.5.35 -> 3.6.16: 3/3 members');
    await idleAt(handle, 2);
    // demo-0 led: it goes last, after leadership moved to demo-1 (updated first).
    assert.deepEqual(restarts(c), ['delete Pod/demo-1', 'create Pod/demo-1', 'delete Pod/demo-2', 'create Pod/demo-2', 'delete Pod/demo-0', 'create Pod/demo-0']);
    assert.ok(c.writes.indexOf('create EtcdBackup/demo-upgrade-3-6-16') < c.writes.indexOf('delete Pod/demo-1'), 'the backup is taken before any member restarts');
    assert.ok(c.writes.includes('etcd move leader demo-0 -> demo-1'));
    assert.ok(c.writes.indexOf('etcd move leader demo-0 -> demo-1') < c.writes.indexOf('delete Pod/demo-0'));
    for (const m of members) assert.equal(c.runningVersion(m), '3.6.16');
    const order = ['checkUpgradePath', 'checkImagePulls', 'createUpgradeBackup', 'checkBackupDone'].map((a) => c.calls.findIndex((x) => x.activity === a));
    assert.deepEqual([...order].sort((a, b) => a - b), order, 'checks, then backup');
    assert.equal(eventsOf(c, 'MemberUpdated').length, 3);
    assert.ok(eventsOf(c, 'MemberUpdated').some((m) => /running etcd 3\.6\.16 \(3\/3\)/.test(m)));
    assert.ok(c.steps.some((s) => s.step === 'Upgrade 3.5.35 -> 3.6.16: 2/3 members'), 'status shows progress');
    assert.equal(eventsOf(c, 'UpgradeBackupTaken').length, 1);
  });

  it('without spec.backup.destination the upgrade goes on after an Event saying there is no backup', TIMEOUT, async () => {
    const { c } = await upgraded();
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 2), 60_000)).result, 'Succeeded');
    assert.match(eventsOf(c, 'UpgradeBackupSkipped')[0] ?? '', /without a backup/);
    assert.ok(!c.writes.some((w) => w.startsWith('create EtcdBackup')));
  });

  it('a failed pre-upgrade backup stops the upgrade before any member restarts', TIMEOUT, async () => {
    const { c } = await upgraded();
    c.backupDestination = true;
    c.upgradeBackupPhase = 'Failed';
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /backup before the upgrade .* failed: injected backup failure; nothing was restarted/);
    assert.deepEqual(restarts(c), []);
  });

  it('an image that cannot be pulled fails the upgrade before any member stops, keeps it Degraded, and fixing spec.version heals it', TIMEOUT, async () => {
    const { c, handle } = await upgraded('3.6.16');
    c.missingImages.add('gcr.io/etcd-development/etcd:v3.6.99');
    c.version = '3.6.99';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /v3\.6\.99 cannot be pulled/);
    assert.deepEqual(restarts(c), []);
    await waitFor('Degraded with the failure', () => c.degradedBy?.includes('cannot be pulled'), { timeoutMs: 20_000 });
    c.version = '3.6.17';
    c.generation = 3;
    await specChanged(c, 3);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 3), 60_000)).result, 'Succeeded');
    await idleAt(handle, 3);
    for (const m of members) assert.equal(c.runningVersion(m), '3.6.17');
  });

  it('a path the members cannot take (3.6 -> 3.5) is refused, naming the rule, and restarts nothing', TIMEOUT, async () => {
    const { c } = await upgraded('3.6.16');
    c.version = '3.5.35';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /spec\.version 3\.5\.35 refused: etcd 3\.6\.16 -> 3\.5\.35 is a downgrade of the minor version/);
    assert.deepEqual(restarts(c), []);
  });

  it('spec.paused stops it between members; unpaused, a new run restarts only the members left and takes no second backup', TIMEOUT, async () => {
    const { c, handle } = await upgraded();
    c.backupDestination = true;
    c.before('checkMemberUpdated', (x) => { x.paused = true; });
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Succeeded');
    assert.match(o.message, /paused after 1\/3 members/);
    assert.deepEqual(restarts(c), ['delete Pod/demo-1', 'create Pod/demo-1']);
    c.paused = false;
    c.generation = 3;
    await specChanged(c, 3);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 3), 60_000)).result, 'Succeeded');
    await idleAt(handle, 3);
    assert.deepEqual(restarts(c), ['delete Pod/demo-1', 'create Pod/demo-1', 'delete Pod/demo-2', 'create Pod/demo-2', 'delete Pod/demo-0', 'create Pod/demo-0']);
    assert.equal(c.count('create EtcdBackup/demo-upgrade-3-6-16'), 1);
  });

  it('a member that does not get healthy fails the rollout (Degraded); etcdop ops retry resumes at that member without restarting it again', TIMEOUT, async () => {
    const { c, handle } = await upgraded();
    c.failBefore('checkMemberUpdated', () => ApplicationFailure.nonRetryable('demo-1 is not a healthy voter within its deadline', 'Deadline'));
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'Upgrade', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /demo-1 is not a healthy voter/);
    await waitFor('Degraded with the failure', () => c.degradedBy?.includes('etcdop ops retry demo'), { timeoutMs: 20_000 });
    const { retrying } = await handle.executeUpdate(retryUpdate);
    assert.match(retrying, /demo-1 is not a healthy voter/);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 3), 60_000)).result, 'Succeeded');
    assert.equal(c.count('delete Pod/demo-1'), 1, 'the member that failed its check is not restarted again');
    assert.deepEqual(restarts(c), ['delete Pod/demo-1', 'create Pod/demo-1', 'delete Pod/demo-2', 'create Pod/demo-2', 'delete Pod/demo-0', 'create Pod/demo-0']);
  });

  // Each kind once, the member steps spread over the three members (the leader's move included).
  const boundaries: [ActivityName, string?][] = [['checkUpgradePath'], ['checkImagePulls'], ['createUpgradeBackup'], ['checkBackupDone'], ['memberPodOutdated', 'demo-1'], ['checkClusterReady'],
    ['moveLeaderAway', 'demo-0'], ['deleteOutdatedMemberPod', 'demo-2'], ['waitMemberPodGone', 'demo-0'], ['applyMember', 'demo-1'], ['checkMemberUpdated', 'demo-2']];
  it(`a crash after every activity of the upgrade (${boundaries.length} kinds) restarts every member exactly once`, { timeout: 180_000 }, async () => {
    const { c, handle } = await upgraded();
    c.backupDestination = true;
    for (const [a, member] of boundaries) c.crashAfter(a, (...args: unknown[]) => member === undefined || args[1] === member || (args[1] as { member?: string })?.member === member);
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 2), 150_000)).result, 'Succeeded');
    await idleAt(handle, 2);
    assert.equal(c.calls.filter((x) => x.error?.startsWith('injected crash')).length, boundaries.length, 'every crash happened');
    for (const m of members) {
      assert.equal(c.count(`delete Pod/${m}`), 1, m);
      assert.equal(c.count(`create Pod/${m}`), 2, `${m}: Create + one restart`);
      assert.equal(c.runningVersion(m), '3.6.16');
    }
  });
});

describe('rolling update of other pod changes', () => {
  it('a resources change restarts every member once, leader last, with no backup; a no-op generation restarts nothing', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.backupDestination = true;
    c.podSpec = 'cpu=100m';
    c.generation = 2;
    await specChanged(c, 2);
    const o = await outcome(c, opId(c, 'RollingUpdate', 2), 60_000);
    assert.equal(o.result, 'Succeeded');
    assert.equal(o.message, 'Rolling update: 3/3 members');
    await idleAt(handle, 2);
    assert.deepEqual(restarts(c), ['delete Pod/demo-1', 'create Pod/demo-1', 'delete Pod/demo-2', 'create Pod/demo-2', 'delete Pod/demo-0', 'create Pod/demo-0']);
    assert.ok(!c.calls.some((x) => x.activity === 'createUpgradeBackup' || x.activity === 'checkUpgradePath'));

    c.generation = 3; // e.g. labels on the EtcdCluster object: nothing in the pod changes
    await specChanged(c, 3);
    await idleAt(handle, 3);
    assert.equal(restarts(c).length, 6, 'nothing restarted');
    assert.equal((await handle.query(stateQuery)).operations, 2);
  });

  it('a single-member cluster is rolled too (its only member leads: there is nobody to hand leadership to)', TIMEOUT, async () => {
    const { c, handle } = await created({ size: 1, version: '3.5.35' });
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    assert.equal((await outcome(c, opId(c, 'Upgrade', 2), 60_000)).result, 'Succeeded');
    await idleAt(handle, 2);
    assert.deepEqual(restarts(c, 1), ['delete Pod/demo-0', 'create Pod/demo-0']);
  });

  it('emptyDir members are replaced one at a time under fresh names, never restarted in place', TIMEOUT, async () => {
    const { c, handle } = await created({ emptyDir: true, version: '3.5.35' });
    c.version = '3.6.16';
    c.generation = 2;
    await specChanged(c, 2);
    await idleAt(handle, 2, 60_000);
    assert.deepEqual([...c.members.keys()].sort(), ['demo-3', 'demo-4', 'demo-5']);
    for (const m of ['demo-3', 'demo-4', 'demo-5']) assert.equal(c.runningVersion(m), '3.6.16');
    assert.ok(c.outcomes.every((o) => o.type === 'Create' || o.type === 'ReplaceMember'));
  });
});

describe('maintenance', () => {
  it('etcdop defrag: runs once converged, members one at a time, followers first, the leader last', TIMEOUT, async () => {
    const { c, handle } = await created();
    const { alreadyRequested } = await handle.executeUpdate(defragUpdate);
    assert.equal(alreadyRequested, false);
    const o = await outcome(c, opId(c, 'Defrag', 2), 30_000);
    assert.equal(o.result, 'Succeeded');
    assert.match(o.message, /defragmented 3 members: demo-1 2\.0 MiB -> 1\.0 MiB/);
    assert.deepEqual(c.writes.filter((w) => w.startsWith('etcd defrag')), ['etcd defrag demo-1', 'etcd defrag demo-2', 'etcd defrag demo-0']);
    await waitFor('request cleared', async () => (await handle.query(stateQuery)).defragRequested === false, { timeoutMs: 10_000 });
    assert.equal(eventsOf(c, 'MemberDefragmented').length, 3);
  });

  it('a NOSPACE alarm is compacted, defragmented and disarmed without being asked, with Events', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.alarms = [{ member: 'demo-2', alarm: 'NOSPACE' }];
    await handle.signal(membersChangedSignal);
    const o = await outcome(c, opId(c, 'Defrag', 2), 30_000);
    assert.equal(o.result, 'Succeeded');
    const w = c.writes.filter((x) => x.startsWith('etcd '));
    assert.deepEqual(w.slice(-5), ['etcd compact', 'etcd defrag demo-1', 'etcd defrag demo-2', 'etcd defrag demo-0', 'etcd disarm NOSPACE']);
    assert.equal(c.alarms.length, 0);
    assert.match(eventsOf(c, 'NoSpaceCleared')[0] ?? '', /takes writes again/);
  });
});
