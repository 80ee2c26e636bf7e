// Backup and restore API: where a snapshot goes (S3 or a PVC), the EtcdBackup kind, the
// EtcdCluster's scheduled backups, its restore source and its quorum-loss recovery policy.
// Zod is the source of truth: the CRDs are generated from these schemas (k8s/crd.ts).
import { z } from 'zod';
import { DEFAULT_NODE_LOSS_GRACE_SECONDS } from '../domain/placement.ts';

const STRING = { error: (iss: { code: string }) => (iss.code === 'invalid_type' ? 'must be a string' : undefined) };
const BOOL = { error: (iss: { code: string }) => (iss.code === 'invalid_type' ? 'must be true or false' : undefined) };
// Kubernetes object names (DNS-1123 subdomain).
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAME_MSG = 'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")';
const objectName = () => z.string(STRING).min(1, { error: NAME_MSG }).max(253, { error: NAME_MSG }).regex(OBJECT_NAME, { error: NAME_MSG });
// S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const BUCKET_MSG = 'must be an S3 bucket name (3-63 lowercase letters, digits, "." and "-")';
const URL_MSG = 'must be an http(s) URL such as https://s3.eu-west-1.amazonaws.com';
const SHA256 = /^[0-9a-f]{64}$/;
// A relative path inside a volume: segments that do not start with "." (so no ".."), no odd
// characters for the helper pods' shell. RE2-safe for the CRD.
const REL_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;
const PATH_MSG = 'must be a relative path of letters, digits, ".", "_", "-" and "/" whose parts do not start with "."';

/** How to reach a bucket; endpoint and region default to the operator's AWS_ENDPOINT_URL_S3 / AWS_REGION. */
const S3Access = {
  bucket: z.string(STRING).regex(BUCKET, { error: BUCKET_MSG }).describe('Bucket name.'),
  endpoint: z.string(STRING).max(512).regex(/^https?:\/\/[^\s/]+(\/.*)?$/, { error: URL_MSG }).optional()
    .describe('S3 endpoint URL; defaults to the operator\'s AWS_ENDPOINT_URL_S3, else AWS.'),
  region: z.string(STRING).min(1).max(64).optional().describe('Region; defaults to the operator\'s AWS_REGION, else us-east-1.'),
  forcePathStyle: z.boolean(BOOL).optional().describe('Path-style addressing (https://endpoint/bucket/key), needed by most S3-compatible servers.'),
  credentialsSecret: objectName().describe('Secret in the same namespace with keys accessKeyId and secretAccessKey.'),
};

export const S3DestinationSchema = z.object({
  ...S3Access,
  prefix: z.string(STRING).max(512).regex(/^[A-Za-z0-9!_.*'()/-]*$/, { error: 'must be an S3 key prefix of safe characters' }).optional()
    .describe('Key prefix, e.g. "prod/"; snapshots are stored under <prefix><namespace>/<cluster>/.'),
});

export const PvcDestinationSchema = z.object({
  claimName: objectName().describe('PersistentVolumeClaim in the cluster\'s namespace that holds the snapshots.'),
  path: z.string(STRING).max(512).regex(REL_PATH, { error: PATH_MSG }).optional()
    .describe('Directory inside the volume; snapshots are stored under <path>/<namespace>/<cluster>/.'),
});

const ONE_DESTINATION = 'set exactly one of s3 or pvc';
export const DestinationSchema = z.object({
  s3: S3DestinationSchema.optional().describe('An S3-compatible bucket.'),
  pvc: PvcDestinationSchema.optional().describe('A PersistentVolumeClaim.'),
}).refine((d) => Boolean(d.s3) !== Boolean(d.pvc), { error: ONE_DESTINATION }).describe('Where snapshots are stored: exactly one of s3 or pvc.');
export type Destination = z.output<typeof DestinationSchema>;

export const EtcdBackupSpecSchema = z.object({
  clusterName: objectName().describe('The EtcdCluster (same namespace) to back up.'),
  destination: DestinationSchema.optional()
    .describe('Where to store the snapshot; defaults to the cluster\'s spec.backup.destination.'),
  retainOnDelete: z.boolean(BOOL).default(false)
    .describe('Keep the stored snapshot when this EtcdBackup is deleted.'),
}).describe('A one-off snapshot of an etcd cluster.');
export type EtcdBackupSpec = z.output<typeof EtcdBackupSpecSchema>;

export const BACKUP_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type BackupPhase = (typeof BACKUP_PHASES)[number];

const BackupConditionSchema = z.object({
  type: z.enum(['Succeeded']).describe('Succeeded: True when stored and verified, False on failure, Unknown while running.'),
  status: z.enum(['True', 'False', 'Unknown']).describe('True, False or Unknown.'),
  reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).describe('CamelCase reason for the last transition.'),
  message: z.string().max(32768).optional().describe('Human-readable details.'),
  lastTransitionTime: z.iso.datetime().describe('When status last changed.'),
});

export const EtcdBackupStatusSchema = z.object({
  phase: z.enum(BACKUP_PHASES).optional().describe('Pending, Running, Succeeded or Failed.'),
  location: z.string().max(2048).optional().describe('s3://bucket/key or pvc://claim/path of the stored snapshot.'),
  sizeBytes: z.int().min(0).optional().describe('Snapshot size in bytes.'),
  sha256: z.string().regex(SHA256).optional().describe('SHA-256 of the stored snapshot, hex.'),
  revision: z.int().min(0).optional().describe('etcd revision the snapshot holds.'),
  etcdVersion: z.string().max(32).optional().describe('etcd server version of the member snapshotted.'),
  member: z.string().max(63).optional().describe('Member the snapshot was streamed from (the highest revision).'),
  destination: DestinationSchema.optional().describe('The destination used (spec.destination or the cluster\'s default), kept so the snapshot can be deleted later.'),
  workflowId: z.string().max(1024).optional().describe('Temporal workflow that took it.'),
  startedAt: z.iso.datetime().optional().describe('When the snapshot started streaming.'),
  completedAt: z.iso.datetime().optional().describe('When the snapshot was stored and verified, or failed.'),
  conditions: z.array(BackupConditionSchema).max(4)
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }).optional().describe('Succeeded, the Kubernetes way.'),
}).describe('Observed state of the backup.');
export type EtcdBackupStatus = z.output<typeof EtcdBackupStatusSchema>;

// --- on the EtcdCluster -----------------------------------------------------------------------------

// Five cron fields, or a macro (@hourly, @daily, @every 30m): Temporal parses the rest.
const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9]+[smhd]|(\S+\s+){4}\S+)$/;

export const ScheduledBackupSchema = z.object({
  schedule: z.string(STRING).max(128).regex(CRON, { error: 'must be a cron expression such as "0 */6 * * *" or @hourly / @every 30m' })
    .describe('When to back up: a cron expression (UTC) or @hourly/@daily/@every <duration>.'),
  retention: z.int({ error: 'must be an integer of at least 1' }).min(1, { error: 'must be an integer of at least 1' }).max(1000).default(7)
    .describe('How many scheduled backups to keep (objects and stored snapshots); older ones are deleted.'),
  destination: DestinationSchema.describe('Where scheduled (and, by default, on-demand) backups are stored.'),
}).describe('Scheduled backups, run by a durable Temporal Schedule.');

export const BootstrapS3Schema = z.object({
  ...S3Access,
  key: z.string(STRING).min(1).max(1024).describe('Object key of the snapshot.'),
  sha256: z.string(STRING).regex(SHA256, { error: 'must be 64 lowercase hex digits' }).optional()
    .describe('Expected SHA-256 of the snapshot; when unset, the one recorded by the EtcdBackup that stored it.'),
});

const ONE_SOURCE = 'set exactly one of name or s3';
const NODE_LOSS_MSG = 'must be a whole number of seconds from 0 to 86400';
export const BootstrapSchema = z.object({
  backup: z.object({
    name: objectName().optional().describe('A Succeeded EtcdBackup in the same namespace.'),
    s3: BootstrapS3Schema.optional().describe('A snapshot object in an S3-compatible bucket.'),
  }).refine((b) => Boolean(b.name) !== Boolean(b.s3), { error: ONE_SOURCE }).describe('The snapshot every member starts from.'),
}).describe('Start a new cluster from a backup instead of empty. Immutable.');

export const RECOVERY_POLICIES = ['Manual', 'RestoreLatestBackup'] as const;
export const RecoverySchema = z.object({
  policy: z.enum(RECOVERY_POLICIES, { error: 'must be Manual or RestoreLatestBackup' }).default('Manual')
    .describe('When a majority of members lost their data: Manual waits for `etcdop approve`; RestoreLatestBackup restores at once.'),
  nodeLossGracePeriodSeconds: z.int({ error: NODE_LOSS_MSG }).min(0, { error: NODE_LOSS_MSG }).max(86_400, { error: NODE_LOSS_MSG })
    .default(DEFAULT_NODE_LOSS_GRACE_SECONDS)
    .describe(`How long a member's node may be NotReady (or gone) before the member is replaced on another node: removed from etcd, its pod force-deleted, a new member with a fresh volume joined; only while the others keep quorum. Default ${DEFAULT_NODE_LOSS_GRACE_SECONDS}: shorter than Kubernetes' own eviction of pods from an unreachable node (300 s), longer than a kubelet restart. 0 replaces as soon as the node is NotReady.`),
}).describe('How members come back from lost nodes, and what to do when the cluster lost quorum for good.');

export const CEL_MESSAGES = { ONE_DESTINATION, ONE_SOURCE } as const;
