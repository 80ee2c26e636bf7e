// Workflow IDs are business keys: the cluster uid plus the operation, so a restart or a replay
// never starts a duplicate.
import type { ClusterKey, OperationType } from './types.ts';

export const TASK_QUEUE = 'etcd-operator';
export const clusterWorkflowId = (key: Pick<ClusterKey, 'uid'>) => `etcdcluster-${key.uid}`;
export const operationWorkflowId = (key: Pick<ClusterKey, 'uid'>, type: OperationType, seq: number) =>
  `${clusterWorkflowId(key)}/${type.toLowerCase()}-${seq}`;
