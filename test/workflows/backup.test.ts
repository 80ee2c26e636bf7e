// backupWorkflow on the real dev server with its own small fakes (the shared fake world leaves the
// backup activities to the e2e tests): the snapshot streams while the Running status and its Event
// are written, and whatever ends the backup (Succeeded or Failed) is written after Running, never
// under it, however slow the Running write is.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { createActivities } from '../../activities/index.ts';
import type { BackupKey, SnapshotInfo } from '../../domain/types.ts';
import { backupWorkflow } from '../../workflows/backup.ts';
import { ensureStack } from '../support/stack.ts';
import { within } from '../support/wait.ts';
import { startOwnWorker, type OwnWorker } from '../support/own-worker.ts';
import { workflowsPath } from './harness.ts';

type Activities = ReturnType<typeof createActivities>;

/** What the fakes did, in the order it finished; and how each behaves. */
const log: string[] = [];
const behaviour = { runningWriteMs: 0, snapshotFails: false };
let startedAt = 0;
const at = () => Math.round(performance.now() - startedAt);

const activities = {
  async ensureBackupFinalizer(_key: BackupKey): Promise<void> { log.push('finalizer'); },
  async readBackup(_key: BackupKey) {
    return { cluster: { namespace: 'default', name: 'demo', uid: 'c-uid' }, deleting: false, retainOnDelete: false };
  },
  async reportBackup(_key: BackupKey, status: { phase?: string }): Promise<void> {
    if (status.phase === 'Running') await sleep(behaviour.runningWriteMs);
    log.push(`status ${status.phase} @${at()}`);
  },
  async recordBackupEvent(_key: BackupKey, e: { id: string }): Promise<void> { log.push(`event ${e.id}`); },
  async takeSnapshot(_key: BackupKey): Promise<SnapshotInfo> {
    log.push(`snapshot started @${at()}`);
    if (behaviour.snapshotFails) throw ApplicationFailure.nonRetryable('the member refused the snapshot', 'Injected');
    log.push(`snapshot stored @${at()}`);
    return { location: 's3://b/k', sizeBytes: 1, sha256: 'ab', revision: 7, etcdVersion: '3.6.16', member: 'demo-0' };
  },
} satisfies Partial<Activities>;

let own: OwnWorker;
const taskQueue = `wf-backup-${process.pid}`;

before(async () => {
  ensureStack();
  own = await startOwnWorker({ taskQueue, workflowsPath, activities });
});
after(async () => { await own?.close(); });

async function runBackup(name: string): Promise<SnapshotInfo | undefined> {
  log.length = 0;
  startedAt = performance.now();
  const backup: BackupKey = { namespace: 'default', name, uid: `${name}-${process.pid}-${Date.now()}` };
  const handle = await own.client.workflow.start(backupWorkflow, { taskQueue, workflowId: `test/backups/${backup.uid}`, args: [{ backup }] });
  return within(30_000, 'backup workflow', handle.result());
}

const index = (prefix: string) => log.findIndex((l) => l.startsWith(prefix));

describe('backupWorkflow', () => {
  it('streams the snapshot while the Running status is written; Succeeded is written after both', { timeout: 60_000 }, async () => {
    Object.assign(behaviour, { runningWriteMs: 1500, snapshotFails: false });
    const snap = await runBackup('beside');
    assert.equal(snap?.revision, 7);
    const startedMs = Number(/@(\d+)/.exec(log[index('snapshot started')]!)![1]);
    const runningMs = Number(/@(\d+)/.exec(log[index('status Running')]!)![1]);
    assert.ok(startedMs < runningMs, `the snapshot started (${startedMs} ms) before the slow Running write finished (${runningMs} ms): ${log.join(', ')}`);
    assert.ok(index('snapshot stored') < index('status Running'), `a quick snapshot is stored before the slow Running write lands: ${log.join(', ')}`);
    assert.ok(index('status Running') < index('status Succeeded'), `Succeeded after Running: ${log.join(', ')}`);
    assert.equal(index('finalizer'), 0, 'the finalizer comes first');
    assert.ok(index('event started') >= 0 && index('event started') < index('status Succeeded'));
  });

  it('a snapshot that fails while the Running status is still being written ends Failed, written after Running', { timeout: 60_000 }, async () => {
    Object.assign(behaviour, { runningWriteMs: 1500, snapshotFails: true });
    const err = await runBackup('fails').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof WorkflowFailedError, `the workflow failed: ${String(err)}`);
    assert.match(String((err.cause as Error)?.message), /the member refused the snapshot/);
    const statuses = log.filter((l) => l.startsWith('status')).map((l) => l.split(' ')[1]);
    assert.deepEqual(statuses, ['Running', 'Failed'], `the final status is Failed: ${log.join(', ')}`);
  });
});
