// Serializable inputs, state and results of the operator's workflows. No secrets, no specs:
// workflows read the EtcdCluster (the source of truth) through activities.

/** Identifies one EtcdCluster for its whole life (uid: a re-created namesake is another cluster). */
export interface ClusterKey {
  namespace: string;
  name: string;
  uid: string;
}

export type OperationType = 'Create' | 'Delete' | 'Scale' | 'RestartMember' | 'ReplaceMember' | 'Recover' | 'Upgrade' | 'RollingUpdate' | 'Defrag' | 'ConfigureAuth';

/** Identifies one EtcdBackup object. */
export interface BackupKey {
  namespace: string;
  name: string;
  uid: string;
}

/** Where a stored snapshot is and what it holds (no credentials: those stay in Secrets). */
export interface SnapshotInfo {
  location: string;
  sizeBytes: number;
  sha256: string;
  revision: number;
  etcdVersion: string;
  member: string;
}

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
  /** The type of the operation failure in lastError (an activity's ApplicationFailure type, e.g. NameConflict). */
  lastErrorType?: string;
  /** Highest member index ever used (names are never reused: a removed member's data may still exist). */
  highestMemberIndex?: number;
  /** What the last observation concluded (the planner's reason), for the state query and the CLI. */
  lastDecision?: string;
  /** Converged and waiting for a signal or the next resync (false while observing or operating). */
  converged?: boolean;
  /**
   * The operation that failed or was cancelled: the same one is held back until `until` (ms since
   * epoch; `forever` for a cancelled one), a retry or a newer generation.
   */
  failedOp?: { key: string; generation: number; until: number; forever?: boolean };
  /** How many operations failed in a row (the hold doubles each time). */
  failures?: number;
  /** Generation whose spec.backup the backup Schedule was last made to match. */
  scheduleGeneration?: number;
  /** Generation whose spec.storage.retainOnDelete the member volumes' owner references were last made to match. */
  volumeOwnersGeneration?: number;
  /** Why the cluster waits for `etcdop approve` (quorum lost for good, spec.recovery.policy Manual). */
  awaitingApproval?: string;
  /** An approval arrived: the next recovery decision restores from the latest backup (used once). */
  recoveryApproved?: boolean;
  /** Why the last observation found no quorum (temporary or for good): an approval is accepted while set. */
  quorumLost?: string;
  /** The fresh member names of a recovery that has not succeeded yet: a retry restores onto the same ones. */
  recoveryMembers?: string[];
  /** `etcdop ops retry` arrived and is not used yet (carried over continue-as-new). */
  retryRequested?: boolean;
  /** Something changed (members, an approval): observe again now (carried over continue-as-new). */
  wake?: boolean;
  /** `etcdop defrag` asked for a defragmentation: it runs once the cluster is converged. */
  defragRequested?: boolean;
  /** Why the certificate Secrets cannot be used (reported once per distinct problem). */
  tlsProblem?: string;
  /** How many times certificates were issued (names their Events). */
  certificateIssues?: number;
}

/** Rebuild every member from the latest backup: `members` are the fresh names to restore. */
export interface RecoverInput {
  key: ClusterKey;
  reason: string;
  /** Members etcd (or Kubernetes) had: their pods go, their volumes are kept. */
  oldMembers: string[];
  members: string[];
}

export interface OperationInput {
  key: ClusterKey;
}

/** The one membership or rollout change a member operation makes (the planner chooses it). */
export type MemberChange =
  /** votersAfter: the voting members once this step is done (the PodDisruptionBudget follows it). */
  | { type: 'Scale'; action: 'add' | 'remove'; member: string; votersAfter: number; size: number }
  | { type: 'RestartMember'; member: string }
  | { type: 'ReplaceMember'; member: string; replacement: string }
  /** Restart `members` in this order on their volumes with the pod `templateHash` describes. */
  | { type: 'Upgrade'; from: string; to: string; members: string[]; templateHash: string }
  | { type: 'RollingUpdate'; members: string[]; templateHash: string }
  /** Defragment `members` in this order; `noSpace`: compact first and disarm the NOSPACE alarm after. */
  | { type: 'Defrag'; members: string[]; noSpace: boolean }
  /** Turn etcd authentication on (root user and role from the root Secret) or off. */
  | { type: 'ConfigureAuth'; enable: boolean };

/** A member operation the reconcile loop chose: the change, why, and the member names etcd had then. */
export interface MemberOperationInput<C = MemberChange> {
  key: ClusterKey;
  change: C;
  reason: string;
  members: string[];
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
  /** Member data in emptyDir: a member whose pod is gone has lost its data. */
  emptyDir: boolean;
  deleting: boolean;
  /** spec.bootstrap.backup is set: Create restores every member from it. */
  restoreFromBackup?: boolean;
  /** spec.recovery.policy. */
  recoveryPolicy?: 'Manual' | 'RestoreLatestBackup';
  /** Hash of the member pod this spec makes (k8s/manifests/member-pod.ts): a pod with another one is rolled. */
  podTemplateHash?: string;
  /** spec.auth.enabled. */
  authEnabled?: boolean;
  /** spec.tls mode auto: a certificate is missing or due for renewal (ensureCertificates issues it). */
  certificatesDue?: boolean;
  /** spec.recovery.nodeLossGracePeriodSeconds. */
  nodeLossGraceSeconds?: number;
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

/** One member as etcd reports it (membership from any member, the rest from the member itself). */
export interface ObservedMember {
  name: string;
  /** etcd member ID in hex. */
  id: string;
  peerURL: string;
  learner: boolean;
  /** It has started at least once (published its client URLs): its data dir is no longer empty. */
  started: boolean;
  healthy: boolean;
  leader: boolean;
  version?: string;
  /** raft applied index, for a learner's catch-up. */
  appliedIndex?: number;
}

export interface ObservedPod {
  name: string;
  uid: string;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  phase: string;
  ready: boolean;
  terminating: boolean;
  restarts: number;
  /** The container is waiting in CrashLoopBackOff (or last exited with an error) right now. */
  crashLooping: boolean;
  /** The pod template hash the pod was made from (unset on pods made before rolling updates existed). */
  templateHash?: string;
  /** The etcd container's image. */
  image?: string;
  /** The node it is bound to (unset while unscheduled). */
  node?: string;
}

/** A node a member's pod or volume is on, as the member's placement needs it. */
export interface ObservedNode {
  name: string;
  /** Its Ready condition is True. */
  ready: boolean;
  /** Seconds since Ready stopped being True (the node controller's transition time); unset while ready. */
  notReadySeconds?: number;
  /** Cordoned (spec.unschedulable), e.g. by `kubectl drain`. */
  unschedulable: boolean;
}

/** What Kubernetes and etcd hold for one cluster; a cluster that does not answer is an observation, not an error. */
export interface ClusterObservation {
  /** Some member answered a member list. */
  reachable: boolean;
  /** A linearizable member list succeeded: a majority of voters is up. */
  quorum: boolean;
  members: ObservedMember[];
  pods: ObservedPod[];
  /** Member names with a data PVC of this cluster (not the ones kept after their member was removed). */
  volumes: string[];
  /** Every member index seen in pods, PVCs (incl. kept ones) and etcd, so a new member gets a fresh name. */
  highestIndex: number;
  /** The cluster bootstrapped once (annotation on the EtcdCluster): only Create may ever start members as `new`. */
  bootstrapped: boolean;
  /** Alarms etcd has raised (NOSPACE, CORRUPT), by member name. */
  alarms?: { member: string; alarm: string }[];
  /** Whether etcd has authentication on; absent when unknown (nobody answers, or root cannot log in). */
  authEnabled?: boolean;
  /** Auth is on and the root Secret's password is not the one etcd has (or that one was never recorded). */
  rootPasswordChanged?: boolean;
  /**
   * The nodes of the members' pods and volumes, read only while some member is not ready (unset when
   * nodes cannot be read, e.g. a namespaced install): a node named by a pod or volume but absent here is gone.
   */
  nodes?: ObservedNode[];
  /** Member name -> the node its volume is bound to (local volumes: their PV's node affinity). */
  volumeNodes?: Record<string, string>;
}
