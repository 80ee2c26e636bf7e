// Create from a backup on the real dev server with its own small fakes: the restore pods run while
// the operator still reads the snapshot to check its SHA-256 (each pod checks it too before it
// restores), no member starts before both are done, and a snapshot found bad cancels the restores
// and fails the operation with its own reason, before any member is applied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { createActivities } from '../../activities/index.ts';
import type { RestoreSource } from '../../domain/backups.ts';
import type { ClusterKey, ClusterSnapshot, MemberHealth } from '../../domain/types.ts';
import { createClusterWorkflow } from '../../workflows/create.ts';
import { ensureStack } from '../support/stack.ts';
import { within } from '../support/wait.ts';
import { startOwnWorker, type OwnWorker } from '../support/own-worker.ts';
import { workflowsPath } from './harness.ts';

type Activities = ReturnType<typeof createActivities>;

const log: string[] = [];
const behaviour = { verifyMs: 0, verifyFails: false };
let startedAt = 0;
const at = () => Math.round(performance.now() - startedAt);
const source: RestoreSource = { location: 's3://b/demo.db', sha256: 'ab'.repeat(32), backupName: 'nightly', revision: 7, etcdVersion: '3.6.16', sizeBytes: 1 };

const activities = {
  async readCluster(_key: ClusterKey): Promise<ClusterSnapshot> {
    return { generation: 1, size: 2, version: '3.6.16', image: 'etcd:3.6.16', paused: false, retainOnDelete: false, emptyDir: false, deleting: false, restoreFromBackup: true };
  },
  async recordEvent(): Promise<void> {},
  async reportStep(): Promise<void> {},
  async applyServices(): Promise<void> {},
  async resolveBootstrapSource(_key: ClusterKey): Promise<RestoreSource> { return source; },
  async verifySnapshot(_key: ClusterKey, _s: RestoreSource): Promise<{ sizeBytes: number }> {
    log.push(`verify started @${at()}`);
    await sleep(behaviour.verifyMs);
    if (behaviour.verifyFails) {
      log.push(`verify failed @${at()}`);
      throw ApplicationFailure.nonRetryable('snapshot s3://b/demo.db is corrupt or truncated', 'ChecksumMismatch');
    }
    log.push(`verify done @${at()}`);
    return { sizeBytes: 1 };
  },
  /** A restore pod: quick when the snapshot is good; with a bad one it keeps going until cancelled (or 20 s). */
  async restoreMemberVolume(_key: ClusterKey, plan: { member: string }): Promise<'restored'> {
    log.push(`restore ${plan.member} started @${at()}`);
    if (behaviour.verifyFails) {
      const until = performance.now() + 20_000;
      while (performance.now() < until) {
        heartbeat();
        await Promise.race([sleep(100), Context.current().cancelled.catch(() => undefined)]);
        if (Context.current().cancellationSignal.aborted) { log.push(`restore ${plan.member} cancelled`); throw new Error('cancelled'); }
      }
    }
    log.push(`restore ${plan.member} done @${at()}`);
    return 'restored';
  },
  async applyMember(_key: ClusterKey, plan: { member: string }): Promise<'created'> { log.push(`apply ${plan.member} @${at()}`); return 'created'; },
  async checkClusterReady(_key: ClusterKey, members: string[]): Promise<MemberHealth[]> {
    return members.map((name) => ({ name, id: name, peerURL: `http://${name}:2380`, clientURL: `http://${name}:2379`, healthy: true, leader: name.endsWith('-0'), learner: false, version: '3.6.16' }));
  },
  async checkClientEndpoints(_key: ClusterKey, members: string[]): Promise<string[]> { return members; },
  async reportMembers(): Promise<void> {},
  async reportRestore(): Promise<void> { log.push('reportRestore'); },
} satisfies Partial<Activities>;

let own: OwnWorker;
const taskQueue = `wf-restore-volumes-${process.pid}`;

before(async () => {
  ensureStack();
  own = await startOwnWorker({ taskQueue, workflowsPath, activities });
});
after(async () => { await own?.close(); });

async function createFromBackup(name: string) {
  log.length = 0;
  startedAt = performance.now();
  const key: ClusterKey = { namespace: 'default', name: 'demo', uid: `${name}-${process.pid}-${Date.now()}` };
  const handle = await own.client.workflow.start(createClusterWorkflow, { taskQueue, workflowId: `test/restore-volumes/${key.uid}`, args: [{ key }] });
  const outcome = await within(30_000, 'create workflow', handle.result().then((r) => r, (e: unknown) => e));
  return { handle, outcome };
}

const index = (prefix: string) => log.findIndex((l) => l.startsWith(prefix));
const ms = (prefix: string) => Number(/@(\d+)/.exec(log[index(prefix)] ?? '')?.[1] ?? NaN);

describe('createClusterWorkflow from a backup', () => {
  it('restores the volumes while the snapshot is verified; members start after both', { timeout: 60_000 }, async () => {
    Object.assign(behaviour, { verifyMs: 1500, verifyFails: false });
    const { outcome } = await createFromBackup('beside');
    assert.deepEqual((outcome as { members: string[] }).members, ['demo-0', 'demo-1'], `created: ${String(outcome)}`);
    for (const m of ['demo-0', 'demo-1']) {
      assert.ok(ms(`restore ${m} started`) < ms('verify done'), `the restore of ${m} started (${ms(`restore ${m} started`)} ms) before the slow verification ended (${ms('verify done')} ms): ${log.join(', ')}`);
    }
    const firstApply = index('apply ');
    assert.ok(firstApply > index('verify done') && firstApply > index('restore demo-0 done') && firstApply > index('restore demo-1 done'), `no member applied before the verification and every restore ended: ${log.join(', ')}`);
    assert.equal(log.at(-1), 'reportRestore');
  });

  it('a snapshot found bad cancels the running restores and fails with its reason; no member is applied', { timeout: 60_000 }, async () => {
    Object.assign(behaviour, { verifyMs: 500, verifyFails: true });
    const { handle, outcome } = await createFromBackup('bad');
    assert.ok(outcome instanceof WorkflowFailedError, `the workflow failed: ${String(outcome)}`);
    const cause = outcome.cause as ApplicationFailure & { cause?: ApplicationFailure };
    assert.equal(cause.cause?.type ?? cause.type, 'ChecksumMismatch', `failed with the verification's reason: ${String(cause)}`);
    assert.equal(index('apply '), -1, `no member applied: ${log.join(', ')}`);
    const history = await handle.fetchHistory();
    const cancelRequests = (history.events ?? []).filter((e) => e.activityTaskCancelRequestedEventAttributes).length;
    assert.equal(cancelRequests, 2, 'both running restores were asked to stop');
  });
});
