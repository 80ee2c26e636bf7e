// The backups of a cluster as a catalog: make one for a scheduled run, wait for it, keep the newest
// N the schedule made.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { API_VERSION, ETCD_BACKUP, GROUP, VERSION } from '../../k8s/api.ts';
import type { BackupKey, ClusterKey } from '../../domain/types.ts';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { isConflict, type Kube } from '../../k8s/kube-client.ts';
import { fetchCluster } from '../kube/cluster.ts';
import { BACKUP_LABELS, getBackup, listBackups, type EtcdBackupObject } from '../../k8s/backup-objects.ts';
import { notYet } from '../not-yet.ts';

const created = (b: EtcdBackupObject) => Date.parse(b.metadata.creationTimestamp as unknown as string ?? '') || 0;
const newestFirst = (a: EtcdBackupObject, b: EtcdBackupObject) => created(b) - created(a) || (b.metadata.name ?? '').localeCompare(a.metadata.name ?? '');
const keyOf = (b: EtcdBackupObject): BackupKey => ({ namespace: b.metadata.namespace!, name: b.metadata.name!, uid: b.metadata.uid! });

/**
 * Creates an EtcdBackup of the cluster named `name`, labelled with the cluster's uid; a retry (the
 * name exists with this uid) finds the one it made. `whose` names the owner in the conflict message.
 */
export async function createClusterBackup(kube: Kube, key: ClusterKey, name: string, labels: Record<string, string>, whose: string): Promise<BackupKey> {
  const body: EtcdBackupObject = {
    apiVersion: API_VERSION,
    kind: ETCD_BACKUP.kind,
    metadata: { name, namespace: key.namespace, labels: { [BACKUP_LABELS.cluster]: key.name, [BACKUP_LABELS.clusterUid]: key.uid, ...labels } },
    spec: { clusterName: key.name },
  };
  try {
    const made = await kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: key.namespace, plural: ETCD_BACKUP.plural, body }) as EtcdBackupObject;
    return keyOf(made);
  } catch (err) {
    if (!isConflict(err)) throw err;
    const existing = await getBackup(kube, { namespace: key.namespace, name });
    if (!existing || existing.metadata.labels?.[BACKUP_LABELS.clusterUid] !== key.uid) {
      throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${name} exists and is not ${whose}`, 'NameTaken');
    }
    return keyOf(existing);
  }
}

export function catalogActivities({ kube }: { kube: Kube }) {
  return {
    /** Creates the EtcdBackup of one scheduled run; the same run (a retry) finds the one it made. */
    async createScheduledBackup(key: ClusterKey, runName: string): Promise<BackupKey> {
      return createClusterBackup(kube, key, runName, { [BACKUP_LABELS.scheduled]: 'true' }, 'this schedule\'s');
    },

    /** Poll: done once the backup is Succeeded or Failed (or gone); otherwise retried. */
    async checkBackupDone(key: BackupKey): Promise<{ phase: string; message?: string }> {
      const b = await getBackup(kube, key);
      if (!b) return { phase: 'Gone' };
      const phase = b.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') return { phase, message: b.status?.conditions?.find((c) => c.type === 'Succeeded')?.message };
      throw notYet(`backup ${key.name} is ${phase ?? 'Pending'}`);
    },

    /**
     * Keeps the newest spec.backup.retention Succeeded backups the schedule made and deletes the older ones (their
     * finalizer deletes the stored snapshots). Failed runs older than the oldest kept go too.
     * Backups a user made are never touched. Returns the names deleted.
     */
    async applyRetention(key: ClusterKey): Promise<string[]> {
      const c = await fetchCluster(kube, key);
      const v = c ? validateClusterSpec(c.spec) : undefined;
      const keep = v?.ok ? v.spec.backup?.retention : undefined;
      if (keep === undefined) return []; // no schedule (or no readable spec): keep everything
      const mine = (await listBackups(kube, key.namespace, `${BACKUP_LABELS.clusterUid}=${key.uid},${BACKUP_LABELS.scheduled}=true`)).sort(newestFirst);
      const good = mine.filter((b) => b.status?.phase === 'Succeeded');
      const kept = new Set(good.slice(0, keep).map((b) => b.metadata.uid));
      const oldestKept = good[Math.min(keep, good.length) - 1];
      const doomed = mine.filter((b) => !kept.has(b.metadata.uid) && !b.metadata.deletionTimestamp && (
        b.status?.phase === 'Succeeded' || (b.status?.phase === 'Failed' && oldestKept !== undefined && created(b) <= created(oldestKept))));
      for (const b of doomed) {
        heartbeat(b.metadata.name);
        await kube.delete({ apiVersion: API_VERSION, kind: ETCD_BACKUP.kind, metadata: { namespace: key.namespace, name: b.metadata.name! } });
      }
      return doomed.map((b) => b.metadata.name!);
    },
  };
}
