// Scale: one member step toward spec.size. Up: a new member joins as a learner, catches up and is
// promoted. Down: leadership moves off a leaving leader, the member leaves etcd, then its pod and
// volume go. The reconcile loop observes again after each step, so a size change mid-resize re-plans.
import { joinMember, removeMember } from './member-steps.ts';
import { operationProgress } from './progress.ts';
import { retainVolumes } from './retain-volumes.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export type ScaleChange = Extract<MemberChange, { type: 'Scale' }>;

export async function scaleClusterWorkflow({ key, change, reason }: MemberOperationInput<ScaleChange>): Promise<{ member: string; action: string }> {
  const progress = operationProgress(key, 'Scale', reason);
  if (change.action === 'add') {
    await joinMember(key, progress, change.member, change.votersAfter);
  } else {
    // Unknown (the spec unreadable) keeps the volume.
    const retain = await retainVolumes(key);
    await removeMember(key, progress, change.member, change.votersAfter, retain);
  }
  return { member: change.member, action: change.action };
}
