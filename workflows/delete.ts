// Delete: member pods, Services and PDB go first, then the volumes (deleted, or kept and released
// with retainOnDelete), and the finalizer last, so the EtcdCluster disappears only when all is clean.
import { kubeBounded, poll } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import { retainVolumes } from './retain-volumes.ts';
import type { OperationInput } from '../domain/types.ts';

export interface DeleteResult { podsDeleted: number; volumesDeleted: string[]; volumesKept: string[] }

export async function deleteClusterWorkflow({ key }: OperationInput): Promise<DeleteResult> {
  const progress = operationProgress(key, 'Delete');
  // An unreadable (e.g. invalid) spec must not block deletion, nor cost data: retainOnDelete unknown (unreadable or the object already gone) -> keep.
  const retain = await retainVolumes(key);
  await progress.step('DeleteMembers');
  const podsDeleted = await kubeBounded.deleteClusterObjects(key);
  await progress.step('WaitPodsGone');
  await poll.waitPodsGone(key);
  await progress.step('ReleaseVolumes');
  const volumes = await kubeBounded.releaseVolumes(key, retain);
  // The cluster is deleting: this removes its backup Schedule (the backups themselves stay).
  await progress.step('DeleteBackupSchedule');
  await kubeBounded.syncBackupSchedule(key);
  await progress.step('RemoveFinalizer');
  await kubeBounded.removeFinalizer(key);
  return { podsDeleted, volumesDeleted: volumes.deleted, volumesKept: volumes.kept };
}
