// Quorum-loss recovery on the real dev server with the fake etcd + Kubernetes world: a majority of
// voters lost its data -> the loop waits for an approval and deletes nothing; approved (or by
// policy) it rebuilds every member from the latest backup under fresh names, keeps the old volumes,
// and a crash mid-restore never restores a volume twice.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { approveRecoverySignal, approveRecoveryUpdate, membersChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome } from './cluster-driver.ts';
import type { FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('recover'); });
after(async () => { await h?.close(); });

const { created } = clusterDriver(() => h);
const backup = { location: 's3://etcd-backups/ns/demo/b1.db', sha256: 'a'.repeat(64), backupName: 'b1', revision: 1234, etcdVersion: '3.6.16', sizeBytes: 10 };
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
    assert.deepEqual(c.callsOf('latestBackupSource'), []);

    const { approved } = await handle.executeUpdate(approveRecoveryUpdate);
    assert.match(approved, /2 of 3 voters lost their data/);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 60_000)).result, 'Succeeded');
    await waitFor('converged after recovery', async () => (await handle.query(stateQuery)).converged, { timeoutMs: 30_000 });
    assert.deepEqual(voters(c), ['demo-3', 'demo-4', 'demo-5']);
    assert.deepEqual([...c.pods.keys()].sort(), ['demo-3', 'demo-4', 'demo-5']);
    assert.ok(c.keptVolumes.has('data-demo-0'), 'the survivor\'s volume is kept');
    assert.deepEqual([...c.restored.values()], [1, 1, 1]);
    assert.ok(c.writes.includes(`restored ${backup.location}`));
    assert.ok([...c.events.values()].some((e) => e.reason === 'QuorumRecovered' && /writes after revision 1234 are lost/.test(e.message)));
    assert.equal((await handle.query(stateQuery)).awaitingApproval, undefined);
  });

  it('the approveRecovery signal (the Temporal UI\'s way) approves like etcdop approve; sent when nothing waits it changes nothing', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = backup;
    await handle.signal(approveRecoverySignal);
    assert.equal((await handle.query(stateQuery)).recoveryApproved, undefined, 'an approval with nothing waiting is not kept for later');
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
    assert.deepEqual([...c.restored.values()], [1, 1, 1]);
    assert.equal(c.writes.filter((w) => w === 'restore data-demo-4').length, 1);
    assert.equal(c.count('create Pod/demo-3'), 1);
  });
});
