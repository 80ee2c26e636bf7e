// The EtcdBackup objects: read and validate (with the destination in use), patch, list, and
// which cluster a backup belongs to.
import { ApplicationFailure } from '@temporalio/activity';
import { API_VERSION, ETCD_BACKUP, GROUP, LABELS, VERSION } from '../k8s/api.ts';
import { EtcdBackupSpecSchema, type Destination, type EtcdBackupStatus } from '../k8s/backup-spec.ts';
import { validateClusterSpec } from '../k8s/cluster-spec.ts';
import { fitBackupStatus } from '../k8s/status-text.ts';
import { PatchStrategy, setHeaderOptions, type V1ObjectMeta } from '@kubernetes/client-node';
import type { BackupKey, ClusterKey } from '../workflows/types.ts';
import { isNotFound, type Kube } from './kube-client.ts';

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

const api = (namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: ETCD_BACKUP.plural });

export async function getBackup(kube: Kube, key: Pick<BackupKey, 'namespace' | 'name'> & { uid?: string }): Promise<EtcdBackupObject | undefined> {
  try {
    const obj = await kube.custom.getNamespacedCustomObject({ ...api(key.namespace), name: key.name }) as EtcdBackupObject;
    return key.uid && obj.metadata.uid !== key.uid ? undefined : obj;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function listBackups(kube: Kube, namespace: string, labelSelector?: string): Promise<EtcdBackupObject[]> {
  const list = await kube.custom.listNamespacedCustomObject({ ...api(namespace), ...(labelSelector && { labelSelector }) }) as { items: EtcdBackupObject[] };
  return list.items;
}

/** Merge-patches the object, or with `status` its status subresource (free text cut to the CRD's maxLength). */
export async function patchBackup(kube: Kube, key: BackupKey, body: object, status = false): Promise<void> {
  const fitted = status && 'status' in body ? { ...body, status: fitBackupStatus(body.status) } : body;
  const args = { ...api(key.namespace), name: key.name, body: fitted };
  const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  if (status) await kube.custom.patchNamespacedCustomObjectStatus(args, opts);
  else await kube.custom.patchNamespacedCustomObject(args, opts);
}

/** A backup's spec, validated, with its destination resolved (its own, else the cluster's spec.backup.destination). */
export interface ResolvedBackup {
  clusterName: string;
  destination: Destination;
  retainOnDelete: boolean;
  deleting: boolean;
  labels: Record<string, string>;
  status: EtcdBackupStatus;
}

export async function resolveBackup(kube: Kube, key: BackupKey): Promise<ResolvedBackup | undefined> {
  const obj = await getBackup(kube, key);
  if (!obj) return undefined;
  const parsed = EtcdBackupSpecSchema.safeParse(obj.spec ?? {});
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid EtcdBackup spec: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidSpec');
  const spec = parsed.data;
  let destination = spec.destination ?? obj.status?.destination;
  if (!destination) {
    const cluster = await kube.getCluster(key.namespace, spec.clusterName);
    const v = cluster && validateClusterSpec(cluster.spec);
    destination = v && v.ok ? v.spec.backup?.destination : undefined;
  }
  if (!destination && !obj.metadata.deletionTimestamp) {
    throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} has no spec.destination and EtcdCluster ${spec.clusterName} has no spec.backup.destination`, 'NoDestination');
  }
  return {
    clusterName: spec.clusterName,
    destination: destination ?? {},
    retainOnDelete: spec.retainOnDelete,
    deleting: Boolean(obj.metadata.deletionTimestamp),
    labels: obj.metadata.labels ?? {},
    status: obj.status ?? {},
  };
}

/** The backup's own object reference, for owner references and Events. */
export const backupRef = (key: BackupKey) => ({ apiVersion: API_VERSION, kind: ETCD_BACKUP.kind, name: key.name, uid: key.uid });

/** Whether this backup was taken of this cluster (by uid: a namesake's backups are another cluster's data). */
export const backupOfCluster = (b: EtcdBackupObject, cluster: ClusterKey): boolean => b.metadata.labels?.[BACKUP_LABELS.clusterUid] === cluster.uid;
