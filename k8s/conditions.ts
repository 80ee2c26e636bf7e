// Status conditions, the Kubernetes way: one entry per type, lastTransitionTime moves only when
// the status flips, typed reasons per condition type.
import type { Condition, ConditionStatus, ConditionType } from './cluster-status.ts';

export const REASONS = {
  Available: {
    QuorumHealthy: 'QuorumHealthy', // a majority of voters is healthy: the cluster serves writes
    QuorumLost: 'QuorumLost',
    Bootstrapping: 'Bootstrapping', // the first members are not up yet
  },
  Progressing: {
    OperationRunning: 'OperationRunning',
    Idle: 'Idle', // spec and cluster agree
    Paused: 'Paused', // spec.paused: no new operation starts
    MemberUnschedulable: 'MemberUnschedulable', // an operation waits for a member pod no node takes
  },
  Degraded: {
    AllMembersHealthy: 'AllMembersHealthy',
    MembersUnhealthy: 'MembersUnhealthy',
    OperationFailed: 'OperationFailed',
    QuorumLost: 'QuorumLost', // a majority of voters is down: nothing destructive happens, see the message
    MemberRepair: 'MemberRepair', // a member is down or lost its data and is being (or waits to be) repaired
    NoSpace: 'NoSpace', // etcd raised NOSPACE (backend at its quota): writes are refused until compaction + defrag + disarm
    TLSSecretInvalid: 'TLSSecretInvalid', // a certificate Secret is missing or unusable: nothing starts until it is fixed
    NameConflict: 'NameConflict', // an object under a name the operator derives (Service, PDB, NetworkPolicy, Secret) belongs to someone else: see the message
  },
  SpecValid: {
    Valid: 'Valid',
    InvalidSpec: 'InvalidSpec',
    ImageUnavailable: 'ImageUnavailable', // the spec passed validation, but its image (version, repository) cannot be pulled
  },
} as const satisfies Record<ConditionType, Record<string, string>>;

export type ReasonFor<T extends ConditionType> = (typeof REASONS)[T][keyof (typeof REASONS)[T]];

/** A condition to set; lastTransitionTime is computed. */
export type ConditionUpdate<T extends ConditionType = ConditionType> = {
  [K in T]: { type: K; status: ConditionStatus; reason: ReasonFor<K>; message?: string; observedGeneration?: number };
}[T];

/** RFC 3339 to the second, as metav1.Time serializes. */
export const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Returns a new list with `next` replacing the condition of the same type (or appended).
 * lastTransitionTime is kept when the status is unchanged, so it says when the status flipped.
 */
export function setCondition(conditions: readonly Condition[] | undefined, next: ConditionUpdate, now: Date): Condition[] {
  const list = conditions ?? [];
  const prev = list.find((c) => c.type === next.type);
  const updated: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    ...(next.message !== undefined && { message: next.message }),
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : rfc3339(now),
    ...(next.observedGeneration !== undefined && { observedGeneration: next.observedGeneration }),
  };
  return prev ? list.map((c) => (c === prev ? updated : c)) : [...list, updated];
}

export const getCondition = (conditions: readonly Condition[] | undefined, type: ConditionType): Condition | undefined =>
  conditions?.find((c) => c.type === type);

export const isConditionTrue = (conditions: readonly Condition[] | undefined, type: ConditionType): boolean =>
  getCondition(conditions, type)?.status === 'True';
