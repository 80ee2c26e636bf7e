// Defrag: each member's backend file rewritten to drop the space compaction freed, one member at a
// time (it stops serving meanwhile), followers first, the leader last, each only while every voter
// is healthy. For a NOSPACE alarm the keyspace is compacted first and the alarm disarmed after.
import { etcd, maintenance, poll } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export type DefragChange = Extract<MemberChange, { type: 'Defrag' }>;

const MiB = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

export async function defragClusterWorkflow({ key, change, reason, members }: MemberOperationInput<DefragChange>): Promise<{ message: string }> {
  const progress = operationProgress(key, 'Defrag', reason);
  const total = change.members.length;
  if (change.noSpace) {
    await progress.step('Compact');
    const revision = await etcd.compactToCurrent(key);
    await progress.step(`Compacted to revision ${revision}`, { reason: 'Compacted', message: `NOSPACE: compacted the keyspace to revision ${revision}` });
  }
  const freed: string[] = [];
  for (const [i, member] of change.members.entries()) {
    await progress.step(`Defrag ${i}/${total} members, ${member}`);
    await poll.checkClusterReady(key, members);
    const { before, after } = await maintenance.defragmentMember(key, member);
    freed.push(`${member} ${MiB(before)} -> ${MiB(after)}`);
    await progress.step(`Defrag ${i + 1}/${total} members`, { reason: 'MemberDefragmented', message: `${member} defragmented: ${MiB(before)} -> ${MiB(after)} (${i + 1}/${total})` });
  }
  if (change.noSpace) {
    await progress.step('DisarmNoSpace');
    const disarmed = await etcd.disarmNoSpace(key);
    await progress.step('NoSpaceCleared', { reason: 'NoSpaceCleared', message: `NOSPACE alarm disarmed (${disarmed} raised): the cluster takes writes again` });
  }
  return { message: `defragmented ${total} members: ${freed.join(', ')}${change.noSpace ? '; NOSPACE alarm disarmed' : ''}` };
}
