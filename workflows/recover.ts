// Recover: a majority of voters lost its data, so the cluster can never form a quorum again. With an
// approval (or spec.recovery.policy RestoreLatestBackup) every member is rebuilt from a backup.
// Nothing is stopped or released until the recovery has proved it can finish: a backup is chosen
// (newest revision first; one that is missing, corrupt, unreadable or of another version is skipped,
// with why) and restored onto the fresh members' volumes. Only then do the old pods go; their volumes
// are set aside (they may hold writes newer than the backup) and never deleted by the operator.
import { ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import { setAsideListCommand } from '../k8s/api.ts';
import type { RestoreSource, SkippedBackup } from '../domain/backups.ts';
import { kubeBounded, poll } from './activity-proxies.ts';
import { failureType, message } from '../domain/failures.ts';
import { operationProgress, type Progress } from './progress.ts';
import { restoreVolumes, restoredWhat, startRestoredMembers, type RestoredStart } from './restore-steps.ts';
import type { RecoverInput } from '../domain/types.ts';

/** Since 0.2.0 the old members' pods are deleted and their volumes set aside together, not one after another. */
export const OLD_MEMBERS_TOGETHER_PATCH = 'old-members-removed-together';

export interface RecoverResult { backup?: string; revision?: number; members: string[]; skipped?: SkippedBackup[] }

/** Failures that say this backup can never be restored (another one may): anything else is retried or fails the recovery. */
const UNUSABLE = new Set([
  'ChecksumMismatch', 'VersionSkew', 'NoDestination', 'BadLocation', 'CredentialsMissing', 'CredentialsInvalid',
  'S3NoSuchBucket', 'S3NoSuchKey', 'S3NotFound', 'S3AccessDenied', 'S3InvalidAccessKeyId', 'S3SignatureDoesNotMatch',
]);

/** The volume holds a restored member: its data decides, `existing` only keeps the bootstrap rule. */
const ON_VOLUME: RestoredStart = { state: 'existing', requireVolume: true };

interface Restored { source: RestoreSource; gated: boolean }

const named = (s: RestoreSource) => s.backupName ?? s.location;
const skippedText = (skipped: SkippedBackup[]) => skipped.map((s) => `${s.backup}${s.revision !== undefined ? ` (revision ${s.revision})` : ''}: ${s.reason}`).join('; ');

export async function recoverClusterWorkflow(input: RecoverInput): Promise<RecoverResult> {
  const { key, reason, oldMembers, members } = input;
  const progress = operationProgress(key, 'Recover', reason);
  await progress.step('FindBackup');
  const { candidates, skipped } = await kubeBounded.recoveryCandidates(key);
  const restored = await restoreFirstUsable(input, progress, candidates, skipped);
  if (!restored) {
    throw ApplicationFailure.nonRetryable(`no backup can be restored, nothing was stopped or deleted: ${skippedText(skipped)}`, 'NoUsableBackup');
  }

  // From here on the recovery can finish: the fresh volumes hold the verified snapshot.
  const { source } = restored;
  await progress.step('RemoveOldMembers', { reason: 'RecoveryStarted', message: `Recovering from ${restoredWhat(source)}: ${reason}` });
  if (patched(OLD_MEMBERS_TOGETHER_PATCH)) {
    // All at once: none of them can serve (their quorum is gone), and each pod's end is a kubelet's wait.
    await Promise.all(oldMembers.map((member) => removeOldMember(key, member)));
  } else {
    for (const member of oldMembers) await removeOldMember(key, member);
  }
  await startMembers(key, progress, restored, members);
  await kubeBounded.reportRestore(key, {
    ...(source.backupName && { backup: source.backupName }), location: source.location, sha256: source.sha256,
    ...(source.revision !== undefined && { revision: source.revision }), reason, ...(skipped.length && { skipped: skipped.slice(0, 20) }),
  });
  const kept = oldMembers.map((m) => `data-${m}`).join(', ');
  await progress.step('Recovered', {
    reason: 'QuorumRecovered',
    message: `Recovered from ${restoredWhat(source)}: writes after revision ${source.revision ?? '?'} are lost.`
      + (skipped.length ? ` Newer backups skipped: ${skippedText(skipped)}.` : '')
      + (kept ? ` Old volumes set aside (never deleted by the operator; read what you need, then delete them): ${kept}; list them with: ${setAsideListCommand(key.name, key.namespace)}` : ''),
  });
  return { backup: source.backupName, revision: source.revision, members, ...(skipped.length && { skipped }) };
}

/** An old member's pod deleted (and gone), its volume set aside: never deleted, it may hold writes newer than the backup. */
async function removeOldMember(key: RecoverInput['key'], member: string): Promise<void> {
  await kubeBounded.deleteMemberPod(key, member);
  await poll.waitMemberPodGone(key, member);
  await kubeBounded.setAsideMemberVolume(key, member);
}

/** The members restored and started on their volumes, then their quorum. */
async function startMembers(key: RecoverInput['key'], progress: Progress, restored: Restored, members: string[]): Promise<void> {
  await startRestoredMembers(key, progress, restored.source, members, ON_VOLUME, restored.gated);
  await progress.step('WaitQuorum');
  await poll.checkClusterReady(key, members);
  await kubeBounded.applyDisruptionBudget(key, members.length);
}

/**
 * Verifies and restores the candidates in turn onto the new members' volumes (a restore pod clears
 * a volume first, so a later candidate overwrites a failed one's leftovers). Unusable ones are
 * added to `skipped` with an Event each; a transient failure fails the recovery (retried later).
 */
async function restoreFirstUsable({ key, members }: RecoverInput, progress: Progress, candidates: RestoreSource[], skipped: SkippedBackup[]): Promise<Restored | undefined> {
  for (const candidate of candidates) {
    try {
      return { source: candidate, gated: await restoreVolumes(key, progress, candidate, members, ON_VOLUME) };
    } catch (err) {
      if (!UNUSABLE.has(failureType(err) ?? '')) throw err;
      const skip = { backup: named(candidate), ...(candidate.revision !== undefined && { revision: candidate.revision }), reason: message(err) };
      skipped.push(skip);
      await kubeBounded.recordEvent(key, { id: `${workflowInfo().workflowId.split('/').pop()}-skip-${candidate.sha256.slice(0, 12)}`, type: 'Warning', reason: 'BackupSkipped', message: `Not restoring ${skippedText([skip])}; trying the next older backup` });
    }
  }
  return undefined;
}
