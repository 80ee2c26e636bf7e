// Serializable inputs, state and results of the operator's workflows. No secrets, no specs:
// workflows read the EtcdCluster (the source of truth) through activities.

/** Identifies one EtcdCluster for its whole life (uid: a re-created namesake is another cluster). */
export interface ClusterKey {
  namespace: string;
  name: string;
  uid: string;
}

export type OperationType = 'Create' | 'Delete';

export interface ClusterWorkflowInput {
  key: ClusterKey;
  /** Carried across continue-as-new. */
  state?: ClusterWorkflowState;
}

export interface ClusterWorkflowState {
  created: boolean;
  /** Highest metadata.generation the watcher has reported. */
  seenGeneration: number;
  /** Generation the last successful operation converged to. */
  doneGeneration: number;
  deleteRequested: boolean;
  /** How many operations ran (part of child workflow IDs, so a retry is a new, visible run). */
  operations: number;
  /** Generation whose operation failed: not tried again until a newer one or a retry signal. */
  failedGeneration: number;
  current?: { type: OperationType; workflowId: string; step?: string };
  lastError?: string;
}

export interface OperationInput {
  key: ClusterKey;
}

export interface CreateResult {
  members: string[];
  generation: number;
}

/** What readCluster returns: the validated desired state the operation works toward. */
export interface ClusterSnapshot {
  generation: number;
  size: number;
  version: string;
  image: string;
  paused: boolean;
  retainOnDelete: boolean;
  deleting: boolean;
}

export interface MemberHealth {
  name: string;
  id: string;
  peerURL: string;
  clientURL: string;
  leader: boolean;
  learner: boolean;
  version?: string;
  healthy: boolean;
}
