// Backups: one workflow per EtcdBackup (take the snapshot, record where and what), one to delete
// its stored snapshot when the object goes, and the run a cluster's Schedule starts.
import { ApplicationFailure, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { legacyBackupWorkflowId } from '../domain/ids.ts';
import { backupPoll, kubeBounded, transfer } from './activity-proxies.ts';
import { message } from '../domain/failures.ts';
import type { BackupKey, ClusterKey, SnapshotInfo } from '../domain/types.ts';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Runs started before this patch write the Running status and its Event first, then take the snapshot. */
export const STATUS_BESIDE_SNAPSHOT_PATCH = 'backup-status-beside-snapshot';

/**
 * The snapshot is taken while the Running status and its Event are written: the stream does not
 * wait for two activities it does not need. All three finish before anything else is written, so a
 * Failed or Succeeded status always lands after Running, never under it.
 */
async function beside<T>(work: Promise<T>, ...writes: Promise<void>[]): Promise<T> {
  const [done, ...written] = await Promise.allSettled([work, ...writes]);
  const failed = [done, ...written].find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return (done as PromiseFulfilledResult<T>).value;
}

/** Takes the snapshot an EtcdBackup asks for; its status says Running, then Succeeded or Failed with why. */
export async function backupWorkflow({ backup }: { backup: BackupKey }): Promise<SnapshotInfo | undefined> {
  const { workflowId } = workflowInfo();
  try {
    await kubeBounded.ensureBackupFinalizer(backup);
    const b = await kubeBounded.readBackup(backup);
    if (!b || b.deleting || b.phase === 'Succeeded' || b.phase === 'Failed') return undefined;
    const running = () => kubeBounded.reportBackup(backup, { phase: 'Running', workflowId, message: `streaming a snapshot of ${b.cluster.name}` });
    const started = () => kubeBounded.recordBackupEvent(backup, { id: 'started', type: 'Normal', reason: 'BackupStarted', message: `Snapshot of EtcdCluster ${b.cluster.name} started (workflow ${workflowId})` });
    let snap: SnapshotInfo;
    if (patched(STATUS_BESIDE_SNAPSHOT_PATCH)) {
      snap = await beside(transfer.takeSnapshot(backup), running(), started());
    } else {
      await running();
      await started();
      snap = await transfer.takeSnapshot(backup);
    }
    await kubeBounded.reportBackup(backup, { phase: 'Succeeded', ...snap, message: `stored ${snap.location} (${mib(snap.sizeBytes)}, revision ${snap.revision})` });
    await kubeBounded.recordBackupEvent(backup, { id: 'succeeded', type: 'Normal', reason: 'BackupSucceeded', message: `Stored ${snap.location}: ${snap.sizeBytes} bytes, sha256 ${snap.sha256}, revision ${snap.revision}, from ${snap.member} (etcd ${snap.etcdVersion})` });
    return snap;
  } catch (err) {
    const why = message(err);
    await kubeBounded.reportBackup(backup, { phase: 'Failed', workflowId, message: why });
    await kubeBounded.recordBackupEvent(backup, { id: 'failed', type: 'Warning', reason: 'BackupFailed', message: `${why} (workflow ${workflowId})` });
    throw ApplicationFailure.nonRetryable(why, 'BackupFailed');
  }
}

/** The EtcdBackup is being deleted: delete its stored snapshot (unless retainOnDelete), then let it go. */
export async function deleteBackupWorkflow({ backup, backupWorkflowId: runningUnder }: { backup: BackupKey; backupWorkflowId?: string }): Promise<{ deleted?: string }> {
  const b = await kubeBounded.readBackup(backup);
  let deleted: string | undefined;
  if (b && b.phase !== 'Succeeded' && b.phase !== 'Failed') {
    // Deleted while it runs: stop it (its upload aborts), then clean up where it writes.
    // The watcher names the backup's workflow; a run started by 0.1.0 did not, and its was `etcdbackup-<uid>`.
    await getExternalWorkflowHandle(runningUnder ?? legacyBackupWorkflowId(backup)).cancel().catch(() => undefined);
  }
  const location = b && !b.retainOnDelete ? b.location ?? await kubeBounded.snapshotLocation(backup) : undefined;
  if (location) {
    try {
      await kubeBounded.deleteStoredSnapshot(backup, location);
      deleted = location;
    } catch (err) {
      // A snapshot that cannot be deleted (credentials gone) must not keep the object forever: say what stays.
      await kubeBounded.recordBackupEvent(backup, { id: 'delete-failed', type: 'Warning', reason: 'SnapshotNotDeleted', message: `${location} was not deleted: ${message(err)}` });
    }
  }
  await kubeBounded.removeBackupFinalizer(backup);
  return { deleted };
}

/** `etcdcluster-<uid>/scheduled-backup-2026-11-25T10:00:00Z` -> `20261125-100000`: the scheduled time names the run. */
export function runSuffix(workflowId: string, fallback: Date): string {
  const m = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(workflowId);
  if (m) return `${m[1]}${m[2]}${m[3]}-${m[4]}${m[5]}${m[6]}`;
  const iso = fallback.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

/** One run of a cluster's backup Schedule: an EtcdBackup object (taken by its own workflow), then retention. */
export async function scheduledBackupWorkflow({ key }: { key: ClusterKey }): Promise<{ backup: string; phase: string; deleted: string[] }> {
  const info = workflowInfo();
  const backup = await kubeBounded.createScheduledBackup(key, `${key.name}-${runSuffix(info.workflowId, info.startTime)}`);
  const done = await backupPoll.checkBackupDone(backup);
  // Retention runs after a failed run too: a failure never deletes a good backup (only Succeeded ones count).
  const deleted = await kubeBounded.applyRetention(key);
  if (done.phase === 'Failed') throw ApplicationFailure.nonRetryable(`backup ${backup.name} failed: ${done.message ?? ''}`, 'BackupFailed');
  return { backup: backup.name, phase: done.phase, deleted };
}
