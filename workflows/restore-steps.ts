// Restoring members from a snapshot, shared by Create (spec.bootstrap.backup) and Recover (quorum
// lost for good): verify the snapshot, and restore each member's volume before any member starts,
// so a bad snapshot never leaves a half-made cluster running.
import { CancellationScope, patched } from '@temporalio/workflow';
import type { RestoreSource } from '../domain/backups.ts';
import { transfer } from './activity-proxies.ts';
import type { Progress } from './progress.ts';
import type { ClusterKey } from '../domain/types.ts';

/** Runs started before this patch verify the snapshot first, then restore the volumes. */
export const VERIFY_BESIDE_RESTORE_PATCH = 'restore-verify-beside-volumes';

export async function restoreVolumes(key: ClusterKey, progress: Progress, source: RestoreSource, members: string[]): Promise<void> {
  const restoreAll = () => Promise.all(members.map((member) => transfer.restoreMemberVolume(key, { member, initialMembers: members, source })));
  if (!patched(VERIFY_BESIDE_RESTORE_PATCH)) {
    await progress.step(`VerifySnapshot ${source.location}`);
    await transfer.verifySnapshot(key, source);
    // Every volume at once: each restore pod is independent, and none of them starts a member.
    await progress.step(`RestoreVolumes ${members.join(', ')}`);
    await restoreAll();
    return;
  }
  // The operator's own read of the snapshot runs beside the restore pods: each pod checks the
  // SHA-256 before it restores, and no member starts before both are done, so the order bought
  // nothing but time. A snapshot found bad cancels the restores and its error is the one reported
  // (a recovery then tries the next backup); the restores' pods and volumes are redone by the next try.
  await progress.step(`RestoreVolumes ${members.join(', ')}`);
  const restores = new CancellationScope();
  const restoring = restores.run(restoreAll);
  const verifying = transfer.verifySnapshot(key, source);
  verifying.catch(() => restores.cancel());
  const [verified, restored] = await Promise.allSettled([verifying, restoring]);
  if (verified.status === 'rejected') throw verified.reason;
  if (restored.status === 'rejected') throw restored.reason;
}

export const restoredWhat = (source: RestoreSource) =>
  `${source.backupName ? `EtcdBackup ${source.backupName} (${source.location})` : source.location}${source.revision !== undefined ? ` at revision ${source.revision}` : ''}`;
