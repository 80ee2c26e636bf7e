// A cluster's spec.backup as one Temporal Schedule (ID from the cluster uid): durable, so runs due
// while the operator is down are started when the server can (the workflow waits for a worker),
// and shown, paused and triggered in the Temporal UI or with `etcdop schedule`.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { backupScheduleId, scheduledBackupWorkflowIdPrefix } from '../../domain/ids.ts';
import { clusterSearchAttributes } from '../../domain/search-attributes.ts';
import type { ClusterKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { fetchCluster } from '../kube/cluster.ts';

export interface ScheduleDeps { kube: Kube; temporal: () => Promise<Client>; taskQueue: string }

/** `@every 30m` is an interval; everything else a cron expression (UTC). */
export function scheduleSpecOf(schedule: string): ScheduleSpec {
  const every = /^@every ([0-9]+[smhd])$/.exec(schedule);
  return every ? { intervals: [{ every: every[1] as `${number}m` }] } : { cronExpressions: [schedule] };
}

export function scheduleActivities({ kube, temporal, taskQueue }: ScheduleDeps) {
  return {
    /**
     * Makes the Schedule match spec.backup: created, updated (schedule changed) or deleted (unset,
     * or the cluster is gone). Returns what it did.
     */
    async syncBackupSchedule(key: ClusterKey): Promise<'created' | 'updated' | 'unchanged' | 'deleted' | 'none'> {
      const obj = await fetchCluster(kube, key);
      const v = obj && !obj.metadata.deletionTimestamp ? validateClusterSpec(obj.spec) : undefined;
      const backup = v?.ok ? v.spec.backup : undefined;
      const client = await temporal();
      const handle = client.schedule.getHandle(backupScheduleId(key));
      if (!backup) {
        try {
          await handle.delete();
          return 'deleted';
        } catch (err) {
          if (err instanceof ScheduleNotFoundError) return 'none';
          throw err;
        }
      }
      const spec = scheduleSpecOf(backup.schedule);
      let outcome: 'created' | 'updated' = 'created';
      const action: ScheduleOptionsAction = {
        type: 'startWorkflow',
        workflowType: 'scheduledBackupWorkflow',
        workflowId: scheduledBackupWorkflowIdPrefix(key),
        taskQueue,
        args: [{ key }],
        staticSummary: `Scheduled backup of ${key.namespace}/${key.name} (${backup.schedule})`,
        typedSearchAttributes: clusterSearchAttributes(key, 'ScheduledBackup'),
      };
      try {
        const current = await handle.describe();
        // The memo keeps the spec.backup.schedule the Schedule was made from: compare that, not the server's parsed form.
        if (current.memo?.schedule === backup.schedule) return 'unchanged';
        // A memo cannot be updated: a changed schedule replaces the Schedule (its backups stay).
        await handle.delete();
        outcome = 'updated';
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      try {
        await client.schedule.create({
          scheduleId: backupScheduleId(key),
          spec,
          action,
          // A run due while the previous one still runs waits for it; missed runs within a day are taken.
          policies: { overlap: ScheduleOverlapPolicy.BUFFER_ONE, catchupWindow: '1 day' },
          memo: { cluster: `${key.namespace}/${key.name}`, schedule: backup.schedule },
        });
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) return outcome; // a retry after the create went through
        throw ApplicationFailure.nonRetryable(`cannot create the backup schedule for spec.backup.schedule "${backup.schedule}": ${(err as Error).message}`, 'BadSchedule');
      }
      return outcome;
    },
  };
}
