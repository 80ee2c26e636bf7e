// Restoring members from a snapshot, shared by Create (spec.bootstrap.backup) and Recover (quorum
// lost for good): verify the snapshot once, then restore each member's volume before any member
// starts, so a bad snapshot never leaves a half-made cluster running.
import { patched } from '@temporalio/workflow';
import type { RestoreSource } from '../domain/backups.ts';
import { kubeBounded, transfer } from './activity-proxies.ts';
import type { Progress } from './progress.ts';
import type { ClusterKey } from '../domain/types.ts';

export async function restoreVolumes(key: ClusterKey, progress: Progress, source: RestoreSource, members: string[]): Promise<void> {
  await progress.step(`VerifySnapshot ${source.location}`);
  const plans = members.map((member) => ({ member, initialMembers: members, source }));
  if (patched('restore-pods-beside-verify')) {
    // Volumes provisioned and restore pods started while the snapshot is read (seconds each): a
    // fresh volume and a pod waiting for its stream hold no data, and no byte goes in before the check.
    // Nothing is cancelled: a bad snapshot waits for the pods to be made, then deletes them.
    const prepared = Promise.allSettled(plans.map((plan) => transfer.prepareRestoreVolume(key, plan)));
    try {
      await transfer.verifySnapshot(key, source);
    } catch (err) {
      await prepared;
      await kubeBounded.discardRestorePods(key, { members, sha256: source.sha256 });
      throw err;
    }
    await prepared;
  } else {
    await transfer.verifySnapshot(key, source);
  }
  // Every volume at once: each restore pod is independent, and none of them starts a member.
  await progress.step(`RestoreVolumes ${members.join(', ')}`);
  await Promise.all(plans.map((plan) => transfer.restoreMemberVolume(key, plan)));
}

export const restoredWhat = (source: RestoreSource) =>
  `${source.backupName ? `EtcdBackup ${source.backupName} (${source.location})` : source.location}${source.revision !== undefined ? ` at revision ${source.revision}` : ''}`;
