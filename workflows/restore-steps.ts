// Restoring members from a snapshot, shared by Create (spec.bootstrap.backup) and Recover (quorum
// lost for good): verify the snapshot once, then restore each member's volume before any member
// starts, so a bad snapshot never leaves a half-made cluster running.
import { patched } from '@temporalio/workflow';
import type { RestoreSource } from '../domain/backups.ts';
import type { MemberPlan } from '../activities/kube/members.ts';
import { kubeBounded, poll, transfer } from './activity-proxies.ts';
import type { Progress } from './progress.ts';
import type { ClusterKey } from '../domain/types.ts';

/** How restored members start: Create bootstraps them (`new`), Recover starts them on their volumes. */
export type RestoredStart = Pick<MemberPlan, 'state' | 'requireVolume'>;

/** Since 0.2.0 each restored member's pod is made beside its restore, held at its join gate. */
export const GATED_RESTORE_PATCH = 'member-pods-beside-restore';

/**
 * Verifies `source`, then restores it onto every member's volume. Returns whether the members'
 * pods were made meanwhile, each held at its join gate (startRestoredMembers opens them); a run
 * from before that change makes them afterwards. Members restored from `source` start with `start`.
 */
export async function restoreVolumes(key: ClusterKey, progress: Progress, source: RestoreSource, members: string[], start: RestoredStart): Promise<boolean> {
  await progress.step(`VerifySnapshot ${source.location}`);
  const plans = members.map((member) => ({ member, initialMembers: members, source }));
  let gated = false;
  if (patched('restore-pods-beside-verify')) {
    // Volumes provisioned while the snapshot is read (seconds each): a fresh volume holds no data,
    // and no byte goes in before the check. Each restore pod follows in restoreMemberVolume (an
    // earlier operator made it here; restoreMemberVolume takes such a pod on).
    // Since GATED_RESTORE_PATCH each member's pod too, on its volume, held at its join gate: no etcd
    // runs before every gate opens together, and its scheduling and sandbox overlap the restore.
    // Nothing is cancelled: a bad snapshot waits for the pods to be made, then deletes them.
    gated = patched(GATED_RESTORE_PATCH);
    const prepared = Promise.allSettled(plans.map(async (plan) => {
      await transfer.prepareRestoreVolume(key, plan);
      if (gated) await applyGated(key, plan.member, members, start);
    }));
    try {
      await transfer.verifySnapshot(key, source);
    } catch (err) {
      await prepared;
      await kubeBounded.discardRestorePods(key, { members, sha256: source.sha256, ...(gated && { heldMembers: true }) });
      throw err;
    }
    await prepared;
  } else {
    await transfer.verifySnapshot(key, source);
  }
  // Every volume at once: each restore pod is independent, and none of them starts a member.
  await progress.step(`RestoreVolumes ${members.join(', ')}`);
  await Promise.all(plans.map((plan) => transfer.restoreMemberVolume(key, plan)));
  return gated;
}

const applyGated = (key: ClusterKey, member: string, members: string[], start: RestoredStart) =>
  kubeBounded.applyMember(key, { member, initialMembers: members, ...start, joinGate: true });

/**
 * Starts the restored members: with `gated`, their pods (made again if gone) pass their gates
 * together once every volume holds `source`; else each pod is made now, one after the other.
 */
export async function startRestoredMembers(key: ClusterKey, progress: Progress, source: RestoreSource, members: string[], start: RestoredStart, gated: boolean): Promise<void> {
  if (!gated) {
    for (const member of members) {
      await progress.step(`${start.state === 'new' ? 'ApplyMember' : 'StartMember'} ${member}`);
      await kubeBounded.applyMember(key, { member, initialMembers: members, ...start });
    }
    return;
  }
  await progress.step(`StartMembers ${members.join(', ')}`);
  await Promise.all(members.map((member) => applyGated(key, member, members, start)));
  await poll.openRestoredGates(key, { members, sha256: source.sha256 });
}

export const restoredWhat = (source: RestoreSource) =>
  `${source.backupName ? `EtcdBackup ${source.backupName} (${source.location})` : source.location}${source.revision !== undefined ? ` at revision ${source.revision}` : ''}`;
