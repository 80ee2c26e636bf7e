// ReplaceMember: a member whose data is gone (volume deleted, emptyDir pod gone, crash-looping on
// an unusable data dir) is removed from etcd, and a new member with a fresh name and a fresh volume
// joins in its place. The planner starts it only when the others keep quorum without it.
import { joinMember, removeMember } from './member-steps.ts';
import { operationProgress } from './progress.ts';
import { retainVolumes } from './retain-volumes.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export async function replaceMemberWorkflow({ key, change, reason, members }: MemberOperationInput<Extract<MemberChange, { type: 'ReplaceMember' }>>): Promise<{ removed: string; added: string }> {
  const progress = operationProgress(key, 'ReplaceMember', reason);
  const { member, replacement } = change;
  const voters = members.length;
  // The lost member's volume (if any) holds nothing the cluster needs; keep it only when asked to.
  const retain = await retainVolumes(key);
  await removeMember(key, progress, member, Math.max(1, voters - 1), retain, true);
  await joinMember(key, progress, replacement, voters, true);
  await progress.step(`Replaced ${member} -> ${replacement}`, { reason: 'MemberReplaced', message: `${member} replaced by ${replacement}: ${reason}` });
  return { removed: member, added: replacement };
}
