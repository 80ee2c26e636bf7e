// Upgrade and RollingUpdate: every member whose pod is out of date (another etcd version, or any
// other change to the member pod) is restarted on its own volume with the new pod, one at a time:
// followers first, the leader last after handing leadership to a member already updated, and the
// next only once the restarted member is a healthy voter that reports the spec's version. An
// upgrade checks the version path and takes a backup first. spec.paused stops it between members;
// a member whose pod is current already (a resumed run) is never restarted again.
import { ApplicationFailure } from '@temporalio/workflow';
import { backupPoll, etcd, kubeBounded, poll, transfer } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export type RolloutChange = Extract<MemberChange, { type: 'Upgrade' | 'RollingUpdate' }>;

export interface RolloutResult {
  updated: string[];
  paused: boolean;
  /** The outcome in words, for lastOperation and the Event. */
  message: string;
}

export async function rollingUpdateWorkflow({ key, change, reason, members }: MemberOperationInput<RolloutChange>): Promise<RolloutResult> {
  const progress = operationProgress(key, change.type, reason);
  const label = change.type === 'Upgrade' ? `Upgrade ${change.from} -> ${change.to}` : 'Rolling update';
  const total = change.members.length;

  if (change.type === 'Upgrade') {
    await progress.step(`${label}: checking the version path`);
    await kubeBounded.checkUpgradePath(key);
  }
  await progress.step(`${label}: checking the image`);
  await transfer.checkImagePulls(key);

  if (change.type === 'Upgrade') {
    await progress.step(`${label}: backup`);
    const backup = await kubeBounded.createUpgradeBackup(key, change.to);
    if (!backup) {
      await progress.step(`${label}: no backup`, { reason: 'UpgradeBackupSkipped', message: `No spec.backup.destination: upgrading to ${change.to} without a backup first` });
    } else {
      const done = await backupPoll.checkBackupDone(backup);
      if (done.phase !== 'Succeeded') {
        throw ApplicationFailure.nonRetryable(`the backup before the upgrade (EtcdBackup ${backup.name}) ${done.phase.toLowerCase()}: ${done.message ?? 'no message'}; nothing was restarted`, 'UpgradeBackupFailed');
      }
      await progress.step(`${label}: backed up`, { reason: 'UpgradeBackupTaken', message: `EtcdBackup ${backup.name} taken before upgrading to ${change.to}` });
    }
  }

  const updated: string[] = [];
  for (const [i, member] of change.members.entries()) {
    if (i > 0 && (await kubeBounded.readCluster(key))?.paused) {
      const message = `${label} paused after ${i}/${total} members (spec.paused); unpause to go on`;
      await progress.step(`${label}: paused at ${i}/${total} members`, { reason: 'RolloutPaused', message });
      return { updated, paused: true, message };
    }
    await progress.step(`${label}: ${i}/${total} members, restarting ${member}`, { reason: 'MemberUpdating', message: `${label}: restarting ${member} (${i + 1}/${total})` });
    if (await kubeBounded.memberPodOutdated(key, member)) {
      // Health gate: touch a member only while every voter is healthy, so quorum never rests on it alone.
      await poll.checkClusterReady(key, members);
      const newLeader = await etcd.moveLeaderAway(key, member, updated);
      if (newLeader) await progress.step(`${label}: ${i}/${total} members, moved leadership ${member} -> ${newLeader}`);
      await kubeBounded.deleteOutdatedMemberPod(key, member);
      await poll.waitMemberPodGone(key, member);
      await kubeBounded.applyMember(key, { member, initialMembers: members, state: 'existing', requireVolume: true });
    }
    const version = await poll.checkMemberUpdated(key, member);
    updated.push(member);
    await progress.step(`${label}: ${i + 1}/${total} members`, { reason: 'MemberUpdated', message: `${member} restarted with the new pod, running etcd ${version} (${i + 1}/${total})` });
  }
  return { updated, paused: false, message: `${label}: ${total}/${total} members` };
}
