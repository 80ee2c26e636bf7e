// Quorum-loss recovery on the real dev server with the fake etcd + Kubernetes world: a majority of
// voters lost its data -> the loop waits for an approval and deletes nothing; approved (or by
// policy) it rebuilds every member from the latest backup under fresh names, keeps the old volumes,
// and a crash mid-restore never restores a volume twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveRecoverySignal, approveRecoveryUpdate, deleteRequestedSignal, membersChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome } from './cluster-driver.ts';
import type { FakeCluster } from './fake-activities.ts';
import type { RestoreSource } from '../../domain/backups.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('recover'); });
after(async () => { await h?.close(); });

const { created } = clusterDriver(() => h);
const backup = { location: 's3://etcd-backups/ns/demo/b1.db', sha256: 'a'.repeat(64), backupName: 'b1', revision: 1234, etcdVersion: '3.6.16', sizeBytes: 10 };
/** Every restore onto a volume, in name order (the members' restores run side by side). */
const restores = (c: FakeCluster) => c.writes.filter((w) => w.startsWith('restore ')).sort();
const voters = (c: FakeCluster) => [...c.members].filter(([, m]) => !m.learner).map(([n]) => n).sort();

describe('quorum-loss recovery', () => {
  it('Manual: waits for approval, deletes nothing; etcdop approve rebuilds every member from the latest backup under fresh names and keeps the old volumes', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = backup;
    await assert.rejects(handle.executeUpdate(approveRecoveryUpdate), (err: unknown) => err instanceof WorkflowUpdateFailedError && /nothing waits for approval/.test(String((err.cause as Error)?.message)));
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    assert.ok([...c.events.values()].some((e) => e.reason === 'RecoveryNeedsApproval' && /etcdop approve demo/.test(e.message)));
    await new Promise((r) => setTimeout(r, 2000));
    assert.ok(c.pods.has('demo-0'), 'the survivor is not touched before approval');

    const { approved } = await handle.executeUpdate(approveRecoveryUpdate);
    assert.match(approved, /2 of 3 voters lost their data/);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    await waitFor('converged after recovery', async () => (await handle.query(stateQuery)).converged, { timeoutMs: 30_000 });
    assert.deepEqual(voters(c), ['demo-3', 'demo-4', 'demo-5']);
    assert.deepEqual([...c.pods.keys()].sort(), ['demo-3', 'demo-4', 'demo-5']);
    assert.ok(c.pvcs.get('data-demo-0')?.setAside, 'the survivor\'s volume is kept, set aside');
    assert.deepEqual(restores(c), ['restore data-demo-3', 'restore data-demo-4', 'restore data-demo-5']);
    assert.ok(c.writes.includes(`restored ${backup.location}`));
    assert.ok([...c.events.values()].some((e) => e.reason === 'QuorumRecovered' && /writes after revision 1234 are lost/.test(e.message)));
    assert.equal((await handle.query(stateQuery)).awaitingApproval, undefined);
    // Each new member's pod is made beside the restores, held at its join gate; the gates open only
    // once every volume holds the backup and the old pods are gone.
    const at = (w: string) => c.writes.indexOf(w);
    const lastOld = Math.max(...c.writes.flatMap((w, i) => (/^delete Pod\/demo-[012]$/.test(w) ? [i] : [])));
    for (const m of ['demo-3', 'demo-4', 'demo-5']) {
      assert.ok(at(`create Pod/${m}`) >= 0 && at(`create Pod/${m}`) < lastOld, `${m}'s pod made before the old pods go`);
      assert.ok(at(`open join gate ${m}`) > lastOld, `${m}'s gate opened after the old pods went`);
      for (const v of ['data-demo-3', 'data-demo-4', 'data-demo-5']) assert.ok(at(`restore ${v}`) < at(`open join gate ${m}`), `${v} restored before ${m} starts`);
    }
  });

  it('the survivors\' pods are deleted together, not one after another (3 of 5 lost their data)', TIMEOUT, async () => {
    const { c, handle } = await created({ size: 5 });
    c.latestBackup = backup;
    c.podTerminationPolls = 2;
    c.loseData('demo-2').loseData('demo-3').loseData('demo-4');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    await handle.executeUpdate(approveRecoveryUpdate);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    const at = (w: string) => c.writes.indexOf(w);
    assert.ok(at('delete Pod/demo-1') >= 0 && at('delete Pod/demo-1') < at('set aside PersistentVolumeClaim/data-demo-0'), `both deleted before either volume is set aside: ${c.writes.join(' | ')}`);
    assert.ok(c.pvcs.get('data-demo-0')?.setAside && c.pvcs.get('data-demo-1')?.setAside, 'both survivors\' volumes kept, set aside');
    assert.deepEqual([...c.pods.keys()].sort(), ['demo-5', 'demo-6', 'demo-7', 'demo-8', 'demo-9']);
  });

  it('the approveRecovery signal (the Temporal UI\'s way) approves like etcdop approve; sent when nothing waits it changes nothing', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = backup;
    await handle.signal(approveRecoverySignal);
    assert.notEqual((await handle.query(stateQuery)).recoveryApproved, true, 'an approval with nothing waiting is not kept for later');
    c.loseData('demo-0').loseData('demo-1');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    await handle.signal(approveRecoverySignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    assert.deepEqual(voters(c), ['demo-3', 'demo-4', 'demo-5']);
  });

  it('RestoreLatestBackup: recovers without approval', TIMEOUT, async () => {
    const { c, handle } = await created({ recoveryPolicy: 'RestoreLatestBackup' });
    c.latestBackup = backup;
    c.loseData('demo-0').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    assert.deepEqual(voters(c), ['demo-3', 'demo-4', 'demo-5']);
  });

  it('no backup to restore from: the recovery fails before anything is deleted, with the reason', TIMEOUT, async () => {
    const { c, handle } = await created({ recoveryPolicy: 'RestoreLatestBackup' });
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    const o = await outcome(c, opId(c, 'Recover', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /nothing to restore from/);
    assert.ok(c.pods.has('demo-0'), 'the survivor stays');
  });

  it('a crash after each volume restore and each member start: every volume restored once, every member started once', TIMEOUT, async () => {
    const { c, handle } = await created({ recoveryPolicy: 'RestoreLatestBackup' });
    c.latestBackup = backup;
    c.crashAfter('restoreMemberVolume', (_k, plan) => plan.member === 'demo-4').crashAfter('applyMember', (_k, plan) => plan.member === 'demo-3');
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    assert.deepEqual(restores(c), ['restore data-demo-3', 'restore data-demo-4', 'restore data-demo-5'], 'each volume restored once');
    assert.equal(c.writes.filter((w) => w === 'restore data-demo-4').length, 1);
    assert.equal(c.count('create Pod/demo-3'), 1);
  });

  it('the newest backup (by revision) is corrupt and the next is missing: falls back to the older one, says why, and stops nothing before the new volumes hold it', TIMEOUT, async () => {
    const { c, handle } = await created({ recoveryPolicy: 'RestoreLatestBackup' });
    const old = at('b-old', 100, 'b');
    const missing = at('b-mid', 150, 'c');
    const corrupt = at('b-new', 200, 'd');
    c.backups = [old, corrupt, missing];
    c.unusableBackups.set(corrupt.sha256, { type: 'ChecksumMismatch', message: `snapshot ${corrupt.location} is corrupt or truncated` });
    c.unusableBackups.set(missing.sha256, { type: 'S3NoSuchKey', message: `${missing.location}: no such object` });
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    assert.ok(c.writes.includes(`restored ${old.location}`));
    assert.deepEqual(c.callsOf('verifySnapshot').filter((x) => !x.error || x.attempt === 1).map((x) => (x.args[1] as RestoreSource).backupName), ['b-new', 'b-mid', 'b-old']);
    // Each candidate's restore pods are made beside its check; those of a failed check are deleted, the good one's are not.
    const sha = (x: { args: unknown[] }) => (x.args[1] as { source: RestoreSource }).source.sha256;
    assert.deepEqual(c.callsOf('prepareRestoreVolume').map(sha), [corrupt, corrupt, corrupt, missing, missing, missing, old, old, old].map((b) => b.sha256));
    assert.deepEqual(c.callsOf('discardRestorePods').map((x) => (x.args[1] as { sha256: string }).sha256), [corrupt.sha256, missing.sha256]);
    const skips = [...c.events.values()].filter((e) => e.reason === 'BackupSkipped').map((e) => e.message);
    assert.equal(skips.length, 2);
    assert.match(skips[0]!, /b-new \(revision 200\): .*corrupt/);
    assert.match(skips[1]!, /b-mid \(revision 150\): .*no such object/);
    const reported = c.callsOf('reportRestore').at(-1)!.args[1] as { backup: string; skipped: { backup: string }[] };
    assert.equal(reported.backup, 'b-old');
    assert.deepEqual(reported.skipped.map((s) => s.backup), ['b-new', 'b-mid']);
    // Proved before touching: every new volume restored before the survivor's pod is deleted.
    const firstDelete = c.writes.indexOf('delete Pod/demo-0');
    assert.ok(firstDelete > 0);
    for (const v of ['data-demo-3', 'data-demo-4', 'data-demo-5']) assert.ok(c.writes.indexOf(`restore ${v}`) < firstDelete, `${v} restored before demo-0 stops`);
    assert.ok(c.pvcs.get('data-demo-0')?.setAside, 'the survivor\'s volume is set aside');

    // A later Delete (retainOnDelete false) still keeps the volume the recovery set aside.
    c.deleting = true;
    await handle.signal(deleteRequestedSignal);
    assert.equal((await outcome(c, opId(c, 'Delete', 3), 60_000)).result, 'Succeeded');
    assert.equal(c.count('delete PersistentVolumeClaim/data-demo-0'), 0);
    assert.ok(c.count('delete PersistentVolumeClaim/data-demo-3') === 1, 'the cluster\'s own volumes go');
    assert.ok((c.callsOf('releaseVolumes').at(-1)!.result as { kept: string[] }).kept.includes('data-demo-0'));
  });

  it('no backup verifies: fails with the reasons, and the survivor\'s pod and volume are untouched', TIMEOUT, async () => {
    const { c, handle } = await created({ recoveryPolicy: 'RestoreLatestBackup' });
    const corrupt = at('b-bad', 300, 'e');
    c.backups = [corrupt];
    c.unusableBackups.set(corrupt.sha256, { type: 'ChecksumMismatch', message: 'sha256 mismatch' });
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    const o = await outcome(c, opId(c, 'Recover', 2), 60_000);
    assert.equal(o.result, 'Failed');
    assert.match(o.message, /no backup can be restored, nothing was stopped or deleted: b-bad \(revision 300\): sha256 mismatch/);
    assert.ok(c.pods.has('demo-0') && !c.pods.get('demo-0')!.terminating, 'the survivor still runs');
    assert.ok(c.pvcs.get('data-demo-0')?.owned, 'its volume is untouched');
    assert.equal(c.writes.filter((w) => /^(delete Pod\/demo-[012]$|set aside|keep)/.test(w)).length, 0);
    // The fresh members' pods, made beside the check and held at their gates, do not stay.
    assert.deepEqual([...c.pods.keys()].filter((p) => !['demo-0', 'demo-1', 'demo-2'].includes(p)), []);
  });

  it('approve is accepted as soon as the status says QuorumLost (before the loss is known to be for good), remembered, and used by the recovery', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = backup;
    c.crashLoop('demo-1', 1).crashLoop('demo-2', 1);
    await handle.signal(membersChangedSignal);
    await waitFor('quorum lost reported', async () => (await handle.query(stateQuery)).quorumLost, { timeoutMs: 20_000 });
    assert.equal((await handle.query(stateQuery)).awaitingApproval, undefined, 'not lost for good yet');
    const { approved } = await handle.executeUpdate(approveRecoveryUpdate);
    assert.match(approved, /approved in advance/);
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    await waitFor('approval used', async () => (await handle.query(stateQuery)).recoveryApproved === false, { timeoutMs: 10_000 });
  });

  it('an approval ends with its loss: quorum back clears it, and a later loss asks again', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = backup;
    c.crashLoop('demo-1', 1).crashLoop('demo-2', 1);
    await handle.signal(membersChangedSignal);
    await waitFor('quorum lost reported', async () => (await handle.query(stateQuery)).quorumLost, { timeoutMs: 20_000 });
    await handle.executeUpdate(approveRecoveryUpdate);
    for (const n of ['demo-1', 'demo-2']) Object.assign(c.pods.get(n)!, { crashLooping: false, restarts: 0 });
    await handle.signal(membersChangedSignal);
    await waitFor('quorum back, approval cleared', async () => { const s = await handle.query(stateQuery); return !s.quorumLost && s.recoveryApproved === false; }, { timeoutMs: 20_000 });
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(c.outcomes.filter((o) => o.type === 'Recover').length, 0, 'no recovery without a new approval');
    const refusedBefore = await handle.query(stateQuery);
    assert.equal(refusedBefore.recoveryApproved, false);
  });

  it('a failed recovery uses up its approval; the next approval retries at once (no hold)', TIMEOUT, async () => {
    const { c, handle } = await created();
    const only = at('b-only', 500, 'f');
    c.backups = [only];
    c.unusableBackups.set(only.sha256, { type: 'S3NoSuchKey', message: 'no such object' });
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    await handle.executeUpdate(approveRecoveryUpdate);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Failed');
    await waitFor('asks again', async () => { const s = await handle.query(stateQuery); return s.awaitingApproval && s.recoveryApproved === false; }, { timeoutMs: 20_000 });
    assert.equal([...c.events.values()].filter((e) => e.reason === 'RecoveryNeedsApproval').length, 2);
    // While it waits again, the condition says why the last attempt failed.
    const reason = (c.callsOf('reportObservation').at(-1)!.args[3] as { reason: string }).reason;
    assert.match(reason, /the last recovery failed: no backup can be restored.*no such object.*; waiting for approval/);
    c.unusableBackups.clear();
    const t0 = Date.now();
    await handle.executeUpdate(approveRecoveryUpdate);
    assert.equal((await outcome(c, opId(c, 'Recover', 3), 20_000)).result, 'Succeeded');
    assert.ok(Date.now() - t0 < 20_000, 'not held back for the failure');
    // The retry restored onto the same fresh names.
    assert.deepEqual(voters(c), ['demo-3', 'demo-4', 'demo-5']);
  });

  it('a refused approval says what the cluster is doing instead', TIMEOUT, async () => {
    const { handle } = await created();
    await assert.rejects(handle.executeUpdate(approveRecoveryUpdate), (err: unknown) => err instanceof WorkflowUpdateFailedError
      && /nothing waits for approval: the cluster has quorum \(.+\)/.test(String((err.cause as Error)?.message)));
  });
});

function at(name: string, revision: number, fill: string): RestoreSource {
  return { location: `s3://etcd-backups/ns/demo/${name}.db`, sha256: fill.repeat(64), backupName: name, revision, etcdVersion: '3.6.16', sizeBytes: 10 };
}
