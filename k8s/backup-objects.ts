// EtcdBackup objects as the API server holds them: their shape and labels, and reading them (one,
// a list, whether one belongs to a cluster). Used by the backup activities, the watcher and the CLI.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { ETCD_BACKUP, GROUP, LABELS, VERSION } from './api.ts';
import type { EtcdBackupStatus } from './backup-spec.ts';
import { isNotFound, type Kube } from './kube-client.ts';
import type { BackupKey, ClusterKey } from '../domain/types.ts';

export interface EtcdBackupObject {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec?: unknown;
  status?: EtcdBackupStatus;
}

/** Labels of an EtcdBackup: which cluster (by uid), and whether the cluster's schedule made it. */
export const BACKUP_LABELS = {
  cluster: `${GROUP}/cluster`,
  clusterUid: LABELS.clusterUid,
  /** Set on backups a Schedule made: retention counts (and deletes) only these. */
  scheduled: `${GROUP}/scheduled`,
  /** Set on the backup an upgrade takes first: the version it upgraded to. */
  upgradeTo: `${GROUP}/upgrade-to`,
} as const;

export const backupApi = (namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: ETCD_BACKUP.plural });

export async function getBackup(kube: Kube, key: Pick<BackupKey, 'namespace' | 'name'> & { uid?: string }): Promise<EtcdBackupObject | undefined> {
  try {
    const obj = await kube.custom.getNamespacedCustomObject({ ...backupApi(key.namespace), name: key.name }) as EtcdBackupObject;
    return key.uid && obj.metadata.uid !== key.uid ? undefined : obj;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function listBackups(kube: Kube, namespace: string, labelSelector?: string): Promise<EtcdBackupObject[]> {
  const list = await kube.custom.listNamespacedCustomObject({ ...backupApi(namespace), ...(labelSelector && { labelSelector }) }) as { items: EtcdBackupObject[] };
  return list.items;
}

/** Whether this backup was taken of this cluster (by uid: a namesake's backups are another cluster's data). */
export const backupOfCluster = (b: EtcdBackupObject, cluster: ClusterKey): boolean => b.metadata.labels?.[BACKUP_LABELS.clusterUid] === cluster.uid;
