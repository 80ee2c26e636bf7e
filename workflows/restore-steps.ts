// Restoring members from a snapshot, shared by Create (spec.bootstrap.backup) and Recover (quorum
// lost for good): verify the snapshot once, then restore each member's volume before any member
// starts, so a bad snapshot never leaves a half-made cluster running.
import type { RestoreSource } from '../domain/backups.ts';
import { transfer } from './activity-proxies.ts';
import type { Progress } from './progress.ts';
import type { ClusterKey } from '../domain/types.ts';

export async function restoreVolumes(key: ClusterKey, progress: Progress, source: RestoreSource, members: string[]): Promise<void> {
  await progress.step(`VerifySnapshot ${source.location}`);
  await transfer.verifySnapshot(key, source);
  // Every volume at once: each restore pod is independent, and none of them starts a member.
  await progress.step(`RestoreVolumes ${members.join(', ')}`);
  await Promise.all(members.map((member) => transfer.restoreMemberVolume(key, { member, initialMembers: members, source })));
}

export const restoredWhat = (source: RestoreSource) =>
  `${source.backupName ? `EtcdBackup ${source.backupName} (${source.location})` : source.location}${source.revision !== undefined ? ` at revision ${source.revision}` : ''}`;
