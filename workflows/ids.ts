// Workflow IDs are business keys: the cluster uid plus the operation, so a restart or a replay
// never starts a duplicate.
import type { ClusterKey, OperationType } from './types.ts';

export const TASK_QUEUE = 'etcd-operator';
export const clusterWorkflowId = (key: Pick<ClusterKey, 'uid'>) => `etcdcluster-${key.uid}`;
/** `RestartMember` -> `restart-member`. */
const kebab = (type: string) => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
export const operationWorkflowId = (key: Pick<ClusterKey, 'uid'>, type: OperationType, seq: number) =>
  `${clusterWorkflowId(key)}/${kebab(type)}-${seq}`;
