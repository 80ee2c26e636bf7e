// Admission rules (CEL, x-kubernetes-validations) the OpenAPI schema cannot express: transitions
// (immutability, no downgrades) and cross-field checks. The zod schema enforces the non-transition
// ones again inside the operator; transitions need the old object, which only the API server has.
// Name limits need no CEL: the CRD's metadata.name schema carries them (k8s/crd.ts).
import { CEL_MESSAGES } from './backup-spec.ts';
import { SUPPORTED_MINORS } from './cluster-spec.ts';

export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** Where the error is reported, relative to the node holding the rule. */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** A rule and the schema node it sits on: property names from the CRD's root schema. */
export interface PlacedCelRule extends CelRule {
  readonly at: readonly string[];
}

const major = (v: string) => `int(${v}.split('.')[0])`;
const minor = (v: string) => `int(${v}.split('.')[1])`;

export const CLUSTER_CEL_RULES: readonly PlacedCelRule[] = [
  {
    at: ['spec', 'version'],
    rule: `[${SUPPORTED_MINORS.map((m) => `'${m}'`).join(', ')}].exists(m, self.startsWith(m + '.'))`,
    message: `spec.version must be in a supported minor version: ${SUPPORTED_MINORS.join(', ')}`,
  },
  {
    at: ['spec', 'version'],
    rule: `${major('self')} == ${major('oldSelf')}`,
    message: 'spec.version cannot change its major version (etcd upgrades one minor version at a time)',
  },
  {
    at: ['spec', 'version'],
    rule: `${major('self')} != ${major('oldSelf')} || ${minor('self')} >= ${minor('oldSelf')}`,
    message: 'spec.version cannot go down a minor version (etcd does not support downgrades)',
  },
  {
    at: ['spec', 'version'],
    rule: `${major('self')} != ${major('oldSelf')} || ${minor('self')} <= ${minor('oldSelf')} + 1`,
    message: 'spec.version can go up one minor version at a time (e.g. 3.5 -> 3.6, not 3.4 -> 3.6)',
  },
  {
    at: ['spec', 'storage'],
    // Unset -> set is allowed (new PVCs get the class); set -> changed or removed is not.
    rule: '!has(oldSelf.storageClassName) || (has(self.storageClassName) && self.storageClassName == oldSelf.storageClassName)',
    message: 'spec.storage.storageClassName cannot change once set',
    fieldPath: '.storageClassName',
  },
  {
    at: ['spec', 'storage'],
    rule: '(has(self.emptyDir) && self.emptyDir) == (has(oldSelf.emptyDir) && oldSelf.emptyDir)',
    message: 'spec.storage.emptyDir is immutable',
    fieldPath: '.emptyDir',
  },
  {
    at: ['spec', 'options'],
    rule: '!has(self.electionTimeoutMs) || !has(self.heartbeatIntervalMs) || self.electionTimeoutMs >= 5 * self.heartbeatIntervalMs',
    message: 'spec.options.electionTimeoutMs must be at least 5 times spec.options.heartbeatIntervalMs',
    fieldPath: '.electionTimeoutMs',
  },
  {
    // Peer URLs are part of etcd's membership: switching http <-> https (or the CA) under a running
    // cluster cannot be rolled member by member without breaking peer traffic half-way.
    at: ['spec'],
    rule: 'has(self.tls) == has(oldSelf.tls) && (!has(self.tls) || self.tls.mode == oldSelf.tls.mode)',
    message: 'spec.tls cannot be added, removed or change mode on an existing cluster: create a new cluster with TLS and move the data with a backup (spec.bootstrap)',
    fieldPath: '.tls',
  },
  {
    at: ['spec', 'tls'],
    rule: "self.mode != 'secrets' || (has(self.peerSecret) && has(self.serverSecret) && has(self.operatorClientSecret))",
    message: 'spec.tls.peerSecret, spec.tls.serverSecret and spec.tls.operatorClientSecret are required when spec.tls.mode is secrets',
  },
  {
    at: ['spec', 'tls'],
    rule: "self.mode != 'auto' || (!has(self.peerSecret) && !has(self.serverSecret) && !has(self.operatorClientSecret))",
    message: 'spec.tls.peerSecret, spec.tls.serverSecret and spec.tls.operatorClientSecret must not be set when spec.tls.mode is auto (the operator issues the certificates)',
  },
  ...destinationRules(['spec', 'backup', 'destination']),
  {
    at: ['spec', 'bootstrap', 'backup'],
    rule: 'has(self.name) != has(self.s3)',
    message: `spec.bootstrap.backup: ${CEL_MESSAGES.ONE_SOURCE}`,
  },
  {
    // A cluster starts from a backup once: adding, changing or removing the source later would mean nothing.
    at: ['spec'],
    rule: 'has(self.bootstrap) == has(oldSelf.bootstrap) && (!has(self.bootstrap) || self.bootstrap == oldSelf.bootstrap)',
    message: 'spec.bootstrap is immutable: it only applies when the cluster is created',
    fieldPath: '.bootstrap',
  },
  {
    at: ['spec'],
    rule: '!has(self.bootstrap) || !has(self.storage) || !has(self.storage.emptyDir) || !self.storage.emptyDir',
    message: 'spec.bootstrap needs PVC storage: a snapshot is restored onto each member\'s volume (spec.storage.emptyDir must be false)',
    fieldPath: '.bootstrap',
  },
];

/** A destination names exactly one of s3 or pvc. */
export function destinationRules(at: readonly string[]): PlacedCelRule[] {
  return [{ at, rule: 'has(self.s3) != has(self.pvc)', message: `${at.join('.')}: ${CEL_MESSAGES.ONE_DESTINATION}` }];
}

export const USER_CEL_RULES: readonly PlacedCelRule[] = [
  {
    at: ['spec'],
    rule: 'self.clusterName == oldSelf.clusterName && self.username == oldSelf.username',
    message: 'spec.clusterName and spec.username are immutable: create another EtcdUser',
  },
  {
    at: ['spec'],
    rule: "!has(self.roles) || self.roles.all(r, !has(r.permissions) || r.permissions.all(p, !(has(p.prefix) && p.prefix && has(p.rangeEnd))))",
    message: 'a permission sets prefix or rangeEnd, not both',
  },
];

export const BACKUP_CEL_RULES: readonly PlacedCelRule[] = [
  ...destinationRules(['spec', 'destination']),
  {
    at: ['spec'],
    // Unset -> set is allowed once: the operator records there the cluster's default it used, so the
    // spec (not the status, which the status subresource lets others write) says where the snapshot is.
    rule: 'self.clusterName == oldSelf.clusterName && (!has(oldSelf.destination) || (has(self.destination) && self.destination == oldSelf.destination))',
    message: 'spec.clusterName and spec.destination are immutable (an unset destination can be set once): create another EtcdBackup',
  },
];
