// Recover: a majority of voters lost its data, so the cluster can never form a quorum again. With an
// approval (or spec.recovery.policy RestoreLatestBackup) every member is rebuilt from the latest
// Succeeded backup: the old pods go, their volumes are kept (labelled removed-member: they may hold
// writes newer than the backup), fresh members are restored from the snapshot and start together.
import { kube, poll } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import { restoreVolumes, restoredWhat } from './restore-steps.ts';
import type { RecoverInput } from './types.ts';

export async function recoverClusterWorkflow({ key, reason, oldMembers, members }: RecoverInput): Promise<{ backup?: string; revision?: number; members: string[] }> {
  const progress = operationProgress(key, 'Recover', reason);
  await progress.step('FindBackup');
  const source = await kube.latestBackupSource(key);
  await progress.step('RemoveOldMembers', { reason: 'RecoveryStarted', message: `Recovering from ${restoredWhat(source)}: ${reason}` });
  for (const member of oldMembers) {
    await kube.deleteMemberPod(key, member);
    await poll.waitMemberPodGone(key, member);
    // Kept whatever retainOnDelete says: the last copy of writes made after the backup may be on it.
    await kube.releaseMemberVolume(key, member, true);
  }
  await restoreVolumes(key, progress, source, members);
  for (const member of members) {
    await progress.step(`StartMember ${member}`);
    // The volume holds a restored member: its data decides, `existing` only keeps the bootstrap rule.
    await kube.applyMember(key, { member, initialMembers: members, state: 'existing', requireVolume: true });
  }
  await progress.step('WaitQuorum');
  await poll.checkClusterReady(key, members);
  await kube.applyDisruptionBudget(key, members.length);
  await kube.reportRestore(key, { ...(source.backupName && { backup: source.backupName }), location: source.location, sha256: source.sha256, ...(source.revision !== undefined && { revision: source.revision }), reason });
  await progress.step('Recovered', {
    reason: 'QuorumRecovered',
    message: `Recovered from ${restoredWhat(source)}: writes after revision ${source.revision ?? '?'} are lost; old volumes kept: ${oldMembers.map((m) => `data-${m}`).join(', ') || 'none'}`,
  });
  return { backup: source.backupName, revision: source.revision, members };
}
