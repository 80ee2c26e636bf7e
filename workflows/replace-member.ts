// ReplaceMember: a member whose data is gone (volume deleted, emptyDir pod gone, crash-looping on
// an unusable data dir) is removed from etcd, and a new member with a fresh name and a fresh volume
// joins in its place. The planner starts it only when the others keep quorum without it.
import { isCancellation, log, patched } from '@temporalio/workflow';
import { JOIN_GATE_PATCH, joinMember, removeMember, startJoiningPod } from './member-steps.ts';
import { operationProgress } from './progress.ts';
import { retainVolumes } from './retain-volumes.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

/**
 * Runs started before this patch start the replacement's pod after the lost member is removed. Now
 * it starts first, held at its join gate (it is not an etcd member, so quorum is untouched): its
 * volume is provisioned and its pod scheduled while the lost member leaves; etcd gets the new member
 * only after the removal, as before.
 */
export const REPLACEMENT_POD_FIRST_PATCH = 'replacement-pod-first';

export async function replaceMemberWorkflow({ key, change, reason, members }: MemberOperationInput<Extract<MemberChange, { type: 'ReplaceMember' }>>): Promise<{ removed: string; added: string }> {
  const progress = operationProgress(key, 'ReplaceMember', reason);
  const { member, replacement } = change;
  const voters = members.length;
  // The lost member's volume (if any) holds nothing the cluster needs; keep it only when asked to.
  const retain = await retainVolumes(key);
  let podFirst = patched(REPLACEMENT_POD_FIRST_PATCH) && patched(JOIN_GATE_PATCH);
  if (podFirst) {
    try {
      await startJoiningPod(key, progress, replacement, true);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // E.g. a ResourceQuota with no room for one more pod or volume: made after the removal instead, as before.
      log.warn('the replacement pod could not start before the removal', { member: replacement, error: (err as Error).message });
      podFirst = false;
    }
  }
  await removeMember(key, progress, member, Math.max(1, voters - 1), retain, true);
  await joinMember(key, progress, replacement, voters, true, podFirst);
  await progress.step(`Replaced ${member} -> ${replacement}`, { reason: 'MemberReplaced', message: `${member} replaced by ${replacement}: ${reason}` });
  return { removed: member, added: replacement };
}
