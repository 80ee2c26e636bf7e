// RestartMember: a member whose pod is gone (deleted, evicted, failed) while its data is intact on
// its volume comes back as itself: the same name, id and data, in a new pod started as `existing`.
// No membership change, so it is safe even without quorum.
import { kubeBounded, poll } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export async function restartMemberWorkflow({ key, change, reason, members }: MemberOperationInput<Extract<MemberChange, { type: 'RestartMember' }>>): Promise<{ member: string }> {
  const progress = operationProgress(key, 'RestartMember', reason);
  const { member } = change;
  await progress.step(`RecreatePod ${member}`, { reason: 'MemberRestarting', message: `Recreating the pod of ${member} on its volume: ${reason}` });
  const initialMembers = members.includes(member) ? members : [...members, member];
  // requireVolume: never start it on a new, empty volume (it would rejoin without its data).
  await kubeBounded.applyMember(key, { member, initialMembers, state: 'existing', requireVolume: true });
  await progress.step(`WaitHealthy ${member}`);
  await poll.checkMemberHealthy(key, member);
  await progress.step(`Restarted ${member}`, { reason: 'MemberRestarted', message: `${member} is back and healthy` });
  return { member };
}
