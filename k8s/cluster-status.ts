// EtcdCluster status: zod schema (the CRD's status schema is generated from it, like the spec's)
// and the types the watcher and the status-writing activities share.
import { z } from 'zod';

export const CONDITION_TYPES = ['Available', 'Progressing', 'Degraded', 'SpecValid'] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];
export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];
export const OPERATION_RESULTS = ['Succeeded', 'Failed', 'Cancelled'] as const;
export type OperationResult = (typeof OPERATION_RESULTS)[number];

// metav1.Condition's reason format: CamelCase, machine readable.
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const time = () => z.iso.datetime();
const count = () => z.int().min(0);

export const ConditionSchema = z.object({
  type: z.enum(CONDITION_TYPES).describe('Available, Progressing, Degraded or SpecValid.'),
  status: z.enum(CONDITION_STATUSES).describe('True, False or Unknown.'),
  reason: z.string().min(1).max(1024).regex(REASON).describe('CamelCase reason for the last transition.'),
  message: z.string().max(32768).optional().describe('Human-readable details.'),
  lastTransitionTime: time().describe('When status last changed.'),
  observedGeneration: count().optional().describe('metadata.generation the condition was computed from.'),
});
export type Condition = z.output<typeof ConditionSchema>;

export const MemberStatusSchema = z.object({
  name: z.string().min(1).max(63).describe('Member (and pod) name.'),
  // etcd member IDs are uint64: hex keeps them exact where JSON numbers would not.
  id: z.string().regex(/^[0-9a-f]{1,16}$/).optional().describe('etcd member ID in hex; unset until the member is added.'),
  peerURL: z.string().max(512).optional().describe('Advertised peer URL.'),
  clientURL: z.string().max(512).optional().describe('Advertised client URL.'),
  leader: z.boolean().describe('This member is the Raft leader.'),
  learner: z.boolean().describe('This member is a non-voting learner.'),
  version: z.string().max(32).optional().describe('etcd server version the member reports.'),
  healthy: z.boolean().describe('The member answered its health check.'),
});
export type MemberStatus = z.output<typeof MemberStatusSchema>;

export const OperationStatusSchema = z.object({
  type: z.string().min(1).max(63).describe('Operation kind, e.g. Create, Scale, Upgrade.'),
  workflowId: z.string().min(1).max(1024).describe('Temporal workflow ID running the operation.'),
  step: z.string().max(256).optional().describe('Current step of the operation.'),
  reason: z.string().max(1024).optional().describe('Why the operator started it, e.g. "member db-1 lost its data: its volume is gone".'),
  startedAt: time().describe('When the operation started.'),
});
export type OperationStatus = z.output<typeof OperationStatusSchema>;

export const LastOperationSchema = z.object({
  type: z.string().min(1).max(63).describe('Operation kind.'),
  workflowId: z.string().max(1024).optional().describe('Temporal workflow ID that ran it.'),
  result: z.enum(OPERATION_RESULTS).describe('Succeeded, Failed or Cancelled.'),
  message: z.string().max(32768).optional().describe('Outcome details, e.g. the failure.'),
  finishedAt: time().describe('When the operation ended.'),
});
export type LastOperation = z.output<typeof LastOperationSchema>;

export const RestoreStatusSchema = z.object({
  backup: z.string().max(253).optional().describe('EtcdBackup restored (when restored by name or found as the latest).'),
  location: z.string().max(2048).describe('Snapshot restored: s3://bucket/key or pvc://claim/path.'),
  sha256: z.string().max(64).describe('SHA-256 of the snapshot, verified before restoring.'),
  revision: z.int().min(0).optional().describe('etcd revision the cluster was restored to: writes after it are not in the cluster.'),
  reason: z.string().max(1024).describe('Bootstrap (spec.bootstrap.backup) or why quorum was recovered.'),
  skipped: z.array(z.object({
    backup: z.string().max(2048).describe('EtcdBackup (or location) not restored.'),
    revision: z.int().min(0).optional().describe('Its etcd revision.'),
    reason: z.string().max(1024).describe('Why it could not be restored (corrupt, missing, unreadable, another version).'),
  })).max(20).optional().describe('Newer backups a recovery tried first and could not use, newest revision first.'),
  completedAt: time().describe('When the restored cluster was up.'),
});
export type RestoreStatus = z.output<typeof RestoreStatusSchema>;

// Conditions and members are list-maps, so status patches merge by key instead of replacing lists.
const listMap = (key: string) => ({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });

export const EtcdClusterStatusSchema = z.object({
  observedGeneration: count().optional().describe('metadata.generation last acted on.'),
  conditions: z.array(ConditionSchema).max(8).meta(listMap('type')).optional().describe('Available, Progressing, Degraded, SpecValid.'),
  members: z.array(MemberStatusSchema).max(16).meta(listMap('name')).optional().describe('etcd members as last observed.'),
  readyMembers: count().optional().describe('Members that are healthy (the scale subresource\'s status replicas).'),
  currentVersion: z.string().max(32).optional().describe('Lowest etcd version running in the cluster.'),
  selector: z.string().max(1024).optional().describe('Label selector of the member pods (for the scale subresource).'),
  operation: OperationStatusSchema.optional().describe('The operation in flight, if any.'),
  lastOperation: LastOperationSchema.optional().describe('The most recent finished operation.'),
  restoredFrom: RestoreStatusSchema.optional().describe('The backup the cluster was last restored from (bootstrap or quorum-loss recovery).'),
}).describe('Observed state of the etcd cluster.');

export type EtcdClusterStatus = z.output<typeof EtcdClusterStatusSchema>;
