// EtcdCluster spec: this zod schema is the single source of truth. The operator validates with
// it, and k8s/crd.ts generates the CRD's OpenAPI schema (descriptions, defaults, bounds) from it.
// Cross-field and transition rules the OpenAPI schema cannot say live in k8s/crd-rules.ts as CEL.
import { z } from 'zod';
import { BootstrapSchema, RecoverySchema, ScheduledBackupSchema } from './backup-spec.ts';
import { minorOf } from './versions.ts';
import { AuthSchema, TlsSchema } from './security-spec.ts';

export { compareVersions, lowestVersion, minorOf } from './versions.ts';

export const SUPPORTED_MINORS = ['3.5', '3.6'] as const;
export const DEFAULT_VERSION = '3.6.16';

/** Marks a pass-through object: the CRD keeps it verbatim (x-kubernetes-preserve-unknown-fields). */
export const PRESERVE_UNKNOWN = { 'x-kubernetes-preserve-unknown-fields': true } as const;
/** Marks a value that is an integer or a string (Kubernetes quantities like `cpu: 1` or `cpu: 500m`). */
export const INT_OR_STRING = { 'x-kubernetes-int-or-string': true } as const;

// Kubernetes resource.Quantity, without a sign (sizes and resources are never negative). RE2-safe for the CRD.
const QUANTITY = /^(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;
// Go duration ("1h", "30m", "1h30m") or a bare number (hours for periodic, revisions for revision mode).
const RETENTION = /^([0-9]+|([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+)$/;
const GiB = 1024 ** 3;

// A constructor-level `error` would also replace the length/format messages: answer type errors only.
const typeError = (message: string) => ({ error: (iss: { code: string }) => (iss.code === 'invalid_type' ? message : undefined) });
const BOOL = typeError('must be true or false');
const STRING = typeError('must be a string');
const stringMap = (what: string) => z.record(z.string(), z.string({ error: `${what} values must be strings` }));
const passThrough = () => z.record(z.string(), z.unknown(), { error: 'must be an object' }).meta(PRESERVE_UNKNOWN);
const QUANTITY_MSG = 'must be a Kubernetes quantity such as 500m, 2 or 1Gi';
const quantityMap = () =>
  z.record(z.string(), z.union([z.int().min(0), z.string().regex(QUANTITY, { error: QUANTITY_MSG })], { error: QUANTITY_MSG }).meta(INT_OR_STRING));

const intIn = (min: number, max: number, msg: string) =>
  z.int({ error: msg }).min(min, { error: msg }).max(max, { error: msg });

const SIZE_MSG = 'must be an integer from 1 to 9 (the number of etcd members; odd sizes tolerate the most failures)';
const VERSION_MSG = `must be an etcd version like ${DEFAULT_VERSION} (X.Y.Z, without a leading "v")`;

const Version = z
  .string({ error: VERSION_MSG })
  .max(32, { error: VERSION_MSG })
  .regex(VERSION, { error: VERSION_MSG, abort: true })
  .refine((v) => (SUPPORTED_MINORS as readonly string[]).includes(minorOf(v)), {
    error: (iss) => `etcd ${minorOf(String(iss.input))} is not supported; supported minor versions: ${SUPPORTED_MINORS.join(', ')}`,
  });

const Storage = z.object({
  size: z.string(typeError(QUANTITY_MSG)).max(64).regex(QUANTITY, { error: 'must be a Kubernetes quantity such as 1Gi or 500Mi' })
    .default('1Gi').describe('Size of each member\'s PersistentVolumeClaim, a Kubernetes quantity like 1Gi.'),
  storageClassName: z.string(STRING).min(1).max(253).optional()
    .describe('StorageClass of the member PVCs; the cluster default when unset. Cannot change once set.'),
  emptyDir: z.boolean(BOOL).default(false)
    .describe('Keep member data in an emptyDir instead of a PVC: data is lost when a pod is deleted. Immutable.'),
  retainOnDelete: z.boolean(BOOL).default(false)
    .describe('Keep the member PVCs when the EtcdCluster is deleted.'),
});

const Toleration = z.object({
  key: z.string(STRING).max(317).optional().describe('Taint key the toleration applies to; empty matches all keys.'),
  operator: z.enum(['Exists', 'Equal'], { error: 'must be Exists or Equal' }).optional().describe('Exists or Equal (default Equal).'),
  value: z.string(STRING).max(63).optional().describe('Taint value to match when operator is Equal.'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], { error: 'must be NoSchedule, PreferNoSchedule or NoExecute' })
    .optional().describe('Taint effect to match; empty matches all effects.'),
  tolerationSeconds: z.int(typeError('must be an integer number of seconds')).optional()
    .describe('How long a NoExecute taint is tolerated before eviction.'),
});

const Pod = z.object({
  resources: z.object({
    requests: quantityMap().optional().describe('Minimum compute resources, e.g. {cpu: 500m, memory: 1Gi}.'),
    limits: quantityMap().optional().describe('Maximum compute resources.'),
  }).optional().describe('Compute resources of the etcd container.'),
  nodeSelector: stringMap('nodeSelector').optional().describe('Node labels a member pod must match.'),
  affinity: passThrough().optional().describe('Pod affinity rules (core/v1 Affinity), passed through unchanged. Unset: a preferred anti-affinity between the members per node; {} for none.'),
  tolerations: z.array(Toleration, typeError('must be a list of tolerations')).max(32).optional()
    .describe('Tolerations of the member pods (core/v1 Toleration).'),
  topologySpreadConstraints: z.array(passThrough(), typeError('must be a list of objects')).max(16).optional()
    .describe('Topology spread constraints (core/v1 TopologySpreadConstraint), passed through unchanged. Unset: a ScheduleAnyway spread over topology.kubernetes.io/zone; [] for none.'),
  labels: stringMap('labels').optional().describe('Extra labels on member pods; the operator\'s own labels win.'),
  annotations: stringMap('annotations').optional().describe('Extra annotations on member pods.'),
  priorityClassName: z.string(STRING).max(253).optional().describe('PriorityClass of the member pods.'),
});

const Options = z.object({
  quotaBackendBytes: intIn(0, 100 * GiB, 'must be an integer number of bytes from 0 to 107374182400 (100 GiB)').optional()
    .describe('etcd --quota-backend-bytes: backend size before the NOSPACE alarm; 0 means etcd\'s default.'),
  autoCompactionMode: z.enum(['periodic', 'revision'], { error: 'must be periodic or revision' }).optional()
    .describe('etcd --auto-compaction-mode.'),
  autoCompactionRetention: z.string(STRING).max(32).regex(RETENTION, { error: 'must be a duration like 1h or 30m, or a number' }).optional()
    .describe('etcd --auto-compaction-retention: a duration (1h) or a number (hours for periodic, revisions for revision).'),
  snapshotCount: z.int({ error: 'must be an integer of at least 1' }).min(1, { error: 'must be an integer of at least 1' }).optional()
    .describe('etcd --snapshot-count: committed transactions between snapshots.'),
  heartbeatIntervalMs: intIn(10, 5000, 'must be an integer number of milliseconds from 10 to 5000').optional()
    .describe('etcd --heartbeat-interval in milliseconds.'),
  electionTimeoutMs: intIn(100, 50000, 'must be an integer number of milliseconds from 100 to 50000').optional()
    .describe('etcd --election-timeout in milliseconds; at least 5x heartbeatIntervalMs.'),
}).refine(
  // etcd refuses to start when the election timeout is under 5 heartbeats.
  (o) => o.electionTimeoutMs === undefined || o.heartbeatIntervalMs === undefined || o.electionTimeoutMs >= 5 * o.heartbeatIntervalMs,
  { path: ['electionTimeoutMs'], error: 'spec.options.electionTimeoutMs must be at least 5 times spec.options.heartbeatIntervalMs' },
);

export const EtcdClusterSpecSchema = z.object({
  size: intIn(1, 9, SIZE_MSG).default(3).describe('Number of etcd members (1..9).'),
  version: Version.default(DEFAULT_VERSION)
    .describe(`etcd version X.Y.Z (supported minors: ${SUPPORTED_MINORS.join(', ')}). Upgrades go one minor at a time; downgrades are refused.`),
  repository: z.string(STRING).max(255).regex(REPOSITORY, { error: 'must be an image repository such as gcr.io/etcd-development/etcd' })
    .refine((r) => !(r.split('/').pop() ?? '').includes(':'), { error: 'must not include a tag: the tag comes from spec.version' })
    .optional().describe('Image repository override, e.g. gcr.io/etcd-development/etcd; the tag is v<version>.'),
  storage: Storage.prefault({}).describe('Member data storage.'),
  pod: Pod.prefault({}).describe('Scheduling, resources and metadata of the member pods.'),
  options: Options.prefault({}).describe('etcd server tuning flags.'),
  paused: z.boolean(BOOL).default(false)
    .describe('Stop starting new operations; an operation already running finishes.'),
  backup: ScheduledBackupSchema.optional().describe('Scheduled backups with retention; also the default destination of on-demand backups.'),
  bootstrap: BootstrapSchema.optional().describe('Start the cluster from a backup. Immutable after creation.'),
  recovery: RecoverySchema.prefault({}).describe('Recovery from a lost quorum.'),
  tls: TlsSchema.optional().describe('TLS for peer and client traffic. Set it when the cluster is created: it cannot be turned on or off, or change mode, later.'),
  auth: AuthSchema.prefault({}).describe('etcd authentication (users, roles, root).'),
}).refine((s) => !(s.bootstrap && s.storage.emptyDir), {
  path: ['bootstrap'], error: 'spec.bootstrap needs PVC storage: a snapshot is restored onto each member\'s volume (spec.storage.emptyDir must be false)',
}).describe('Desired state of the etcd cluster.');

export type EtcdClusterSpec = z.output<typeof EtcdClusterSpecSchema>;
export type EtcdClusterSpecInput = z.input<typeof EtcdClusterSpecSchema>;

export interface SpecError { field: string; message: string }
export type SpecValidation = { ok: true; spec: EtcdClusterSpec } | { ok: false; errors: SpecError[] };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `['pod','tolerations',0,'operator']` -> `spec.pod.tolerations[0].operator`; odd map keys go in brackets. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, seg) => {
    if (typeof seg === 'number') return `${acc}[${seg}]`;
    const key = String(seg);
    return IDENT.test(key) ? `${acc}.${key}` : `${acc}[${key}]`;
  }, 'spec');
}

/** Parses a raw spec (defaults filled) or lists every problem with its field path. A missing spec is `{}`. */
export function validateClusterSpec(raw: unknown): SpecValidation {
  const result = EtcdClusterSpecSchema.safeParse(raw ?? {});
  if (result.success) return { ok: true, spec: result.data };
  return { ok: false, errors: result.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message })) };
}

/** One line for a condition message or an event: `spec.size: must be ...; spec.version: ...`. */
export const formatSpecErrors = (errors: readonly SpecError[]): string =>
  errors.map((e) => (e.message.startsWith(e.field) ? e.message : `${e.field}: ${e.message}`)).join('; ');

export const imageFor = (spec: Pick<EtcdClusterSpec, 'repository' | 'version'>, defaultRepository: string): string =>
  `${spec.repository ?? defaultRepository}:v${spec.version}`;
