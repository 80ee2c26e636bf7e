// The EtcdBackup objects as activities change them: validated with the destination in use, and
// patched (reading them: k8s/backup-objects.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { API_VERSION, ETCD_BACKUP } from '../../k8s/api.ts';
import { backupApi, getBackup } from '../../k8s/backup-objects.ts';
import { EtcdBackupSpecSchema, type Destination, type EtcdBackupStatus } from '../../k8s/backup-spec.ts';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { fitBackupStatus } from '../../k8s/status-text.ts';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { BackupKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';

/** Merge-patches the object, or with `status` its status subresource (free text cut to the CRD's maxLength). */
export async function patchBackup(kube: Kube, key: BackupKey, body: object, status = false): Promise<void> {
  const fitted = status && 'status' in body ? { ...body, status: fitBackupStatus(body.status) } : body;
  const args = { ...backupApi(key.namespace), name: key.name, body: fitted };
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
