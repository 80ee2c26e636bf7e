// Workflow IDs are business keys: the cluster uid plus the operation, so a restart or a replay
// never starts a duplicate. They start with what they are about (`etcd/<namespace>/<cluster>/`), so
// the Temporal UI and CLI list a cluster's workflows by prefix; the uid keeps a re-created namesake apart.
import type { ClusterKey, OperationType } from './types.ts';

export const TASK_QUEUE = 'etcd-operator';
export const clusterWorkflowId = (key: ClusterKey) => `etcd/${key.namespace}/${key.name}/${key.uid}`;
/**
 * The ID operator 0.1.0 gave a cluster workflow. A cluster created then keeps it while that
 * workflow's history exists (client/workflow-ids.ts finds it), so one cluster never gets two loops.
 */
export const legacyClusterWorkflowId = (key: Pick<ClusterKey, 'uid'>) => `etcdcluster-${key.uid}`;
/** `RestartMember` -> `restart-member`. */
const kebab = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
/** An operation is named under the cluster workflow that runs it (whichever ID that has). */
export const operationWorkflowId = (clusterWorkflow: string, type: OperationType, seq: number) =>
  `${clusterWorkflow}/${kebab(type)}-${seq}`;

/** One workflow per EtcdBackup object, under its cluster's name: a second start for the same backup finds the first. */
export const backupWorkflowId = (backup: { namespace: string; name: string; uid: string }, cluster: string) =>
  `etcd/${backup.namespace}/${cluster}/backups/${backup.name}/${backup.uid}`;
/** What 0.1.0 named it (see legacyClusterWorkflowId). */
export const legacyBackupWorkflowId = (backup: { uid: string }) => `etcdbackup-${backup.uid}`;
/** The delete of a backup is named under the backup's workflow, whichever ID that has. */
export const deleteBackupWorkflowId = (backupWorkflow: string) => `${backupWorkflow}/delete`;
/** The Schedule of a cluster's spec.backup. */
export const backupScheduleId = (key: Pick<ClusterKey, 'uid'>) => `etcdbackup-schedule-${key.uid}`;
/** Scheduled runs get `-<scheduled time>` appended by the server. */
export const scheduledBackupWorkflowIdPrefix = (key: ClusterKey) => `${clusterWorkflowId(key)}/scheduled-backup`;
/** The long-lived workflow of one EtcdUser, under its cluster's name. */
export const userWorkflowId = (user: { namespace: string; name: string; uid: string }, cluster: string) =>
  `etcd/${user.namespace}/${cluster}/users/${user.name}/${user.uid}`;
/** What 0.1.0 named it (see legacyClusterWorkflowId). */
export const legacyUserWorkflowId = (user: { uid: string }) => `etcduser-${user.uid}`;
