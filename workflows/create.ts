// Create: bootstrap every member at once with a static initial cluster (fastest), then wait
// until all are healthy voters, the cluster answers a linearizable read, and the client Service
// routes to every member.
import { ApplicationFailure } from '@temporalio/workflow';
import { kubeBounded, poll } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import { restoreVolumes, restoredWhat, startRestoredMembers } from './restore-steps.ts';
import type { CreateResult, OperationInput } from '../domain/types.ts';

export const memberNames = (cluster: string, size: number) => Array.from({ length: size }, (_, i) => `${cluster}-${i}`);

export async function createClusterWorkflow({ key }: OperationInput): Promise<CreateResult> {
  const progress = operationProgress(key, 'Create');
  const desired = await kubeBounded.readCluster(key);
  if (!desired) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, 'ClusterGone');
  await kubeBounded.recordEvent(key, { id: `create-started-${progress.workflowId.slice(-12)}`, type: 'Normal', reason: 'CreateStarted', message: `Creating ${desired.size} members of etcd ${desired.version} (workflow ${progress.workflowId})` });

  await progress.step('ApplyServices');
  await kubeBounded.applyServices(key);

  const members = memberNames(key.name, desired.size);
  // From a backup: every volume holds the snapshot (verified) before the first member starts.
  const source = desired.restoreFromBackup ? await kubeBounded.resolveBootstrapSource(key) : undefined;
  if (source) {
    const gated = await restoreVolumes(key, progress, source, members, { state: 'new' });
    await startRestoredMembers(key, progress, source, members, { state: 'new' }, gated);
  } else {
    for (const member of members) {
      await progress.step(`ApplyMember ${member}`);
      await kubeBounded.applyMember(key, { member, initialMembers: members, state: 'new' });
    }
  }

  await progress.step('WaitQuorum');
  const health = await poll.checkClusterReady(key, members);
  // Available promises that clients can connect, so wait for the client Service to route to every member.
  await progress.step('WaitClientService');
  await poll.checkClientEndpoints(key, members);
  await kubeBounded.reportMembers(key, health, desired.size);
  if (source) {
    await kubeBounded.reportRestore(key, { ...(source.backupName && { backup: source.backupName }), location: source.location, sha256: source.sha256, ...(source.revision !== undefined && { revision: source.revision }), reason: 'Bootstrap' });
    await kubeBounded.recordEvent(key, { id: `restored-${progress.workflowId.slice(-12)}`, type: 'Normal', reason: 'Restored', message: `Started from ${restoredWhat(source)} (sha256 ${source.sha256})` });
  }
  return { members, generation: desired.generation };
}
