// Activities that write what the operator observed and does into status, and Events.
import { setCondition, REASONS, type ConditionUpdate } from '../../k8s/conditions.ts';
import type { EtcdClusterStatus, OperationResult, RestoreStatus } from '../../k8s/cluster-status.ts';
import { selectorString } from '../../k8s/manifests/owner.ts';
import { quorumOf } from '../../domain/members.ts';
import { lowestVersion } from '../../k8s/cluster-spec.ts';
import { ETCD_CLUSTER, API_VERSION } from '../../k8s/api.ts';
import type { ClusterKey, ClusterObservation, MemberHealth, OperationType } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { eventAbout, type EventInput } from '../../k8s/events.ts';
import { isImagePullFailure } from '../etcd/health.ts';
import { operationFinished, operationStarted } from '../metrics.ts';

export interface StatusDeps { kube: Kube; now: () => Date }

export interface OperationStep { type: OperationType; workflowId: string; step: string; startedAt: string; reason?: string }
/** `failureType`: the failed activity's type; `NameConflict` is reported as the Degraded reason (the message names the object). */
export interface OperationOutcome { type: OperationType; workflowId: string; result: OperationResult; message: string; generation?: number; failureType?: string }

/** The Degraded reason of a failed operation. */
const failedReason = (failureType: string | undefined) => (failureType === REASONS.Degraded.NameConflict ? REASONS.Degraded.NameConflict : REASONS.Degraded.OperationFailed);
/** Available: a majority of the voters is healthy, so the cluster serves writes. */
const availableCondition = (available: boolean, healthy: number, voters: number): ConditionUpdate => (available
  ? { type: 'Available', status: 'True', reason: REASONS.Available.QuorumHealthy, message: `${healthy}/${voters} voters healthy` }
  : { type: 'Available', status: 'False', reason: REASONS.Available.QuorumLost, message: `${healthy}/${voters} voters healthy` });

export function statusActivities({ kube, now }: StatusDeps) {
  const patch = (key: ClusterKey, build: (status: EtcdClusterStatus) => Record<string, unknown>): Promise<void> =>
    kube.updateClusterStatus(key.namespace, key.name, key.uid, (obj) => build(obj.status ?? {}));

  return {
    async reportStep(key: ClusterKey, step: OperationStep): Promise<void> {
      let first = false;
      await patch(key, (s) => {
        first = s.operation?.workflowId !== step.workflowId;
        return {
          operation: step,
          conditions: setCondition(s.conditions, { type: 'Progressing', status: 'True', reason: REASONS.Progressing.OperationRunning, message: `${step.type}: ${step.step}${step.reason ? ` (${step.reason})` : ''}` }, now()),
        };
      });
      if (first) operationStarted(step.type);
    },

    async reportOutcome(key: ClusterKey, o: OperationOutcome): Promise<void> {
      let startedAt: string | undefined;
      await kube.updateClusterStatus(key.namespace, key.name, key.uid, (obj) => {
        const s = obj.status ?? {};
        startedAt = s.operation?.workflowId === o.workflowId ? s.operation.startedAt : undefined;
        let conditions = setCondition(s.conditions, { type: 'Progressing', status: 'False', reason: REASONS.Progressing.Idle, message: `${o.type} ${o.result.toLowerCase()}` }, now());
        if (o.result === 'Failed') {
          conditions = setCondition(conditions, { type: 'Degraded', status: 'True', reason: failedReason(o.failureType), message: o.message }, now());
          // The image of this spec does not exist: the spec is what to fix (the watcher keeps this until the next edit).
          if (isImagePullFailure(o.message)) conditions = setCondition(conditions, { type: 'SpecValid', status: 'False', reason: REASONS.SpecValid.ImageUnavailable, message: o.message, observedGeneration: obj.metadata.generation ?? 0 }, now());
        }
        return {
          operation: null,
          lastOperation: { type: o.type, workflowId: o.workflowId, result: o.result, message: o.message, finishedAt: now().toISOString().replace(/\.\d{3}Z$/, 'Z') },
          ...(o.result === 'Succeeded' && o.generation !== undefined && { observedGeneration: o.generation }),
          conditions,
        };
      });
      operationFinished(o.type, o.result, startedAt, now());
    },

    /** A certificate Secret cannot be used: nothing starts until it is fixed (the message names the field and the problem). */
    async reportTlsProblem(key: ClusterKey, message: string): Promise<void> {
      await patch(key, (s) => ({
        conditions: setCondition(s.conditions, { type: 'Degraded', status: 'True', reason: REASONS.Degraded.TLSSecretInvalid, message }, now()),
      }));
    },

    /** The spec at this generation needs no operation (or none this operator has yet). */
    async reportObserved(key: ClusterKey, generation: number): Promise<void> {
      await patch(key, () => ({ observedGeneration: generation }));
    },

    /** Members as etcd reports them, and the conditions that follow from them. */
    async reportMembers(key: ClusterKey, members: MemberHealth[], expectedSize: number): Promise<void> {
      await patch(key, (s) => {
        const voters = members.filter((m) => !m.learner);
        const healthyVoters = voters.filter((m) => m.healthy).length;
        const available = voters.length > 0 && healthyVoters >= quorumOf(voters.length);
        const allHealthy = members.length === expectedSize && members.every((m) => m.healthy);
        const lowest = lowestVersion(members.map((m) => m.version).filter((v): v is string => Boolean(v)));
        const updates: ConditionUpdate[] = [
          availableCondition(available, healthyVoters, voters.length),
          allHealthy
            ? { type: 'Degraded', status: 'False', reason: REASONS.Degraded.AllMembersHealthy, message: `${members.length} members healthy` }
            : { type: 'Degraded', status: 'True', reason: REASONS.Degraded.MembersUnhealthy, message: `${members.filter((m) => m.healthy).length}/${expectedSize} members healthy` },
        ];
        return {
          members: [...members].sort((a, b) => a.name.localeCompare(b.name)),
          readyMembers: members.filter((m) => m.healthy).length,
          ...(lowest && { currentVersion: lowest }),
          selector: selectorString(key.name),
          conditions: updates.reduce((acc, u) => setCondition(acc, u, now()), s.conditions ?? []),
        };
      });
    },

    /**
     * The reconcile loop's observation and verdict: members as etcd reports them, Available from
     * quorum, Degraded with the planner's reason when a member is down or quorum is lost.
     */
    async reportObservation(key: ClusterKey, o: ClusterObservation, expectedSize: number, verdict: { reason: string; quorumLost: boolean; failed?: string; failedType?: string }): Promise<void> {
      await patch(key, (s) => {
        const voters = o.members.filter((m) => !m.learner);
        const healthyVoters = voters.filter((m) => m.healthy).length;
        const available = o.quorum && voters.length > 0 && healthyVoters >= quorumOf(voters.length);
        // A member being added or removed by a resize is no degradation; a voter that is down is.
        const down = voters.filter((m) => !m.healthy).length;
        const lostPods = o.members.filter((m) => !o.pods.some((p) => p.name === m.name && !p.terminating)).length;
        const lowest = lowestVersion(o.members.map((m) => m.version).filter((v): v is string => Boolean(v)));
        const noSpace = [...new Set((o.alarms ?? []).filter((a) => a.alarm === 'NOSPACE').map((a) => a.member))].sort();
        const resizing = voters.length !== expectedSize ? ` (resizing ${voters.length} -> ${expectedSize})` : '';
        const degraded: ConditionUpdate = verdict.quorumLost
          ? { type: 'Degraded', status: 'True', reason: REASONS.Degraded.QuorumLost, message: verdict.reason }
          : down || lostPods
            ? { type: 'Degraded', status: 'True', reason: REASONS.Degraded.MemberRepair, message: `${healthyVoters}/${voters.length} voters healthy: ${verdict.reason}` }
            : verdict.failed
              ? { type: 'Degraded', status: 'True', reason: failedReason(verdict.failedType), message: verdict.failed }
              : noSpace.length
                ? { type: 'Degraded', status: 'True', reason: REASONS.Degraded.NoSpace, message: `NOSPACE alarm on ${noSpace.join(', ')}: writes are refused (${verdict.reason})` }
                : { type: 'Degraded', status: 'False', reason: REASONS.Degraded.AllMembersHealthy, message: `${healthyVoters} voters healthy${resizing}` };
        const updates: ConditionUpdate[] = [
          availableCondition(available, healthyVoters, voters.length),
          degraded,
        ];
        return {
          members: o.members.map((m) => ({ name: m.name, id: m.id, peerURL: m.peerURL, leader: m.leader, learner: m.learner, healthy: m.healthy, ...(m.version && { version: m.version }) })),
          readyMembers: o.members.filter((m) => m.healthy && !m.learner).length,
          ...(lowest && { currentVersion: lowest }),
          selector: selectorString(key.name),
          conditions: updates.reduce((acc, u) => setCondition(acc, u, now()), s.conditions ?? []),
        };
      });
    },

    /** Events get deterministic names (cluster + operation id), so a retried activity records one Event. */
    /** Records which snapshot the cluster now holds (after a bootstrap restore or a recovery). */
    async reportRestore(key: ClusterKey, r: Omit<RestoreStatus, 'completedAt'>): Promise<void> {
      await patch(key, () => ({ restoredFrom: { ...r, completedAt: now().toISOString().replace(/\.\d{3}Z$/, 'Z') } }));
    },

    async recordEvent(key: ClusterKey, e: EventInput): Promise<void> {
      await kube.createEvent(eventAbout({ apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid }, e, now()));
    },
  };
}
