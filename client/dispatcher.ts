// Turns planner output into workflow starts/signals (signal-with-start: idempotent, so relists
// and duplicate events are harmless) and invalid specs into a condition + Event, with no workflow.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { V1Pod } from '@kubernetes/client-node';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Kube } from '../activities/kube-client.ts';
import { API_VERSION, ETCD_CLUSTER } from '../k8s/api.ts';
import { REASONS, setCondition } from '../k8s/conditions.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import { plan } from '../k8s/planner.ts';
import { clusterWorkflowId } from '../workflows/ids.ts';
import { deleteRequestedSignal, membersChangedSignal, specChangedSignal } from '../workflows/messages.ts';
import { clusterSearchAttributes } from '../workflows/search-attributes.ts';
import type { ClusterKey } from '../workflows/types.ts';

export class Dispatcher {
  /** uid -> last generation signalled, to keep our own status writes from re-signalling. */
  private readonly signalled = new Map<string, number | 'delete'>();

  constructor(private readonly client: Client, private readonly kube: Kube, private readonly taskQueue: string, private readonly log: Logger) {}

  async handle(obj: EtcdCluster): Promise<void> {
    const { name, namespace, uid } = obj.metadata;
    if (!name || !namespace || !uid) return;
    const key: ClusterKey = { name, namespace, uid };
    const p = plan(obj);
    switch (p.kind) {
      case 'none':
        return;
      case 'invalid':
        if (!p.alreadyReported) await this.reportInvalid(key, p.generation, p.message);
        return;
      case 'delete':
        if (this.signalled.get(uid) === 'delete') return;
        await this.signalWithStart(key, deleteRequestedSignal, []);
        this.signalled.set(uid, 'delete');
        return;
      case 'converge': {
        if (this.signalled.get(uid) === p.generation) return;
        await this.markSpecValid(obj, key, p.generation);
        await this.signalWithStart(key, specChangedSignal, [{ generation: p.generation }]);
        this.signalled.set(uid, p.generation);
      }
    }
  }

  forget(uid: string): void { this.signalled.delete(uid); }

  /** pod uid -> last readiness seen, so only readiness flips and deletions reach the workflow. */
  private readonly podReady = new Map<string, boolean>();

  /** A member pod changed: its cluster's workflow refreshes the members' status. */
  async podChanged(pod: V1Pod, deleted = false): Promise<void> {
    const owner = pod.metadata?.ownerReferences?.find((o) => o.kind === ETCD_CLUSTER.kind && o.apiVersion === API_VERSION);
    const podUid = pod.metadata?.uid;
    if (!owner || !podUid) return;
    const ready = !deleted && Boolean(pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (!deleted && this.podReady.get(podUid) === ready) return;
    try {
      await this.client.workflow.getHandle(clusterWorkflowId({ uid: owner.uid })).signal(membersChangedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // Recorded only once the workflow has heard of it: a failed signal is sent again on the next event or resync.
    if (deleted) this.podReady.delete(podUid);
    else this.podReady.set(podUid, ready);
  }

  private async signalWithStart(key: ClusterKey, signal: typeof specChangedSignal | typeof deleteRequestedSignal, args: unknown[]): Promise<void> {
    await this.client.workflow.signalWithStart('etcdClusterWorkflow', {
      workflowId: clusterWorkflowId(key),
      taskQueue: this.taskQueue,
      args: [{ key }],
      signal: signal.name, signalArgs: args,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: clusterSearchAttributes(key, 'Cluster'),
    });
    this.log.info({ cluster: `${key.namespace}/${key.name}`, signal: signal.name }, 'signalled cluster workflow');
  }

  private async markSpecValid(obj: EtcdCluster, key: ClusterKey, generation: number): Promise<void> {
    const cond = obj.status?.conditions?.find((c) => c.type === 'SpecValid');
    // Valid already, or found unusable by an operation (its image cannot be pulled): kept until the next edit.
    if (cond?.observedGeneration === generation && (cond.status === 'True' || cond.reason === REASONS.SpecValid.ImageUnavailable)) return;
    await this.kube.updateClusterStatus(key.namespace, key.name, key.uid, (fresh) => ({
      conditions: setCondition(fresh.status?.conditions, { type: 'SpecValid', status: 'True', reason: REASONS.SpecValid.Valid, observedGeneration: generation }, new Date()),
    }));
  }

  private async reportInvalid(key: ClusterKey, generation: number, message: string): Promise<void> {
    this.log.warn({ cluster: `${key.namespace}/${key.name}`, generation, message }, 'invalid spec: no operation started');
    await this.kube.updateClusterStatus(key.namespace, key.name, key.uid, (fresh) => ({
      conditions: setCondition(fresh.status?.conditions, { type: 'SpecValid', status: 'False', reason: REASONS.SpecValid.InvalidSpec, message, observedGeneration: generation }, new Date()),
    }));
    const t = new Date().toISOString();
    await this.kube.createEvent({
      metadata: { name: `${key.name}.invalid-spec-${generation}`, namespace: key.namespace },
      involvedObject: { apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid },
      type: 'Warning', reason: 'InvalidSpec', message,
      source: { component: 'etcd-operator' }, firstTimestamp: t as unknown as Date, lastTimestamp: t as unknown as Date, count: 1,
    });
  }
}
