// Workflow IDs are business keys: the cluster uid plus the operation, so a restart or a replay
// never starts a duplicate.
import type { ClusterKey, OperationType } from './types.ts';

export const TASK_QUEUE = 'etcd-operator';
export const clusterWorkflowId = (key: Pick<ClusterKey, 'uid'>) => `etcdcluster-${key.uid}`;
/** `RestartMember` -> `restart-member`. */
const kebab = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
export const operationWorkflowId = (key: Pick<ClusterKey, 'uid'>, type: OperationType, seq: number) =>
  `${clusterWorkflowId(key)}/${kebab(type)}-${seq}`;

/** One workflow per EtcdBackup object: a second start for the same backup finds the first. */
export const backupWorkflowId = (backup: { uid: string }) => `etcdbackup-${backup.uid}`;
export const deleteBackupWorkflowId = (backup: { uid: string }) => `etcdbackup-${backup.uid}/delete`;
/** The Schedule of a cluster's spec.backup. */
export const backupScheduleId = (key: Pick<ClusterKey, 'uid'>) => `etcdbackup-schedule-${key.uid}`;
/** Scheduled runs get `-<scheduled time>` appended by the server. */
export const scheduledBackupWorkflowIdPrefix = (key: Pick<ClusterKey, 'uid'>) => `${clusterWorkflowId(key)}/scheduled-backup`;
/** The long-lived workflow of one EtcdUser. */
export const userWorkflowId = (user: { uid: string }) => `etcduser-${user.uid}`;
