// Turns planner output into workflow starts/signals (signal-with-start: idempotent, so relists
// and duplicate events are harmless) and invalid specs into a condition + Event, with no workflow.
// On each resync it also looks at the cluster's workflow: one that ended (terminated, reset, failed,
// timed out, completed) while its EtcdCluster still needs it is started again, so failover never
// stops without a word.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import type { V1Pod } from '@kubernetes/client-node';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Kube } from '../k8s/kube-client.ts';
import { eventAbout } from '../k8s/events.ts';
import { API_VERSION, ETCD_CLUSTER, FINALIZER } from '../k8s/api.ts';
import { REASONS, setCondition } from '../k8s/conditions.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import { dispatchDecision, type DispatchDecision } from './dispatch-decision.ts';
import { initialState } from '../workflows/cluster-handlers.ts';
import { WorkflowIds } from './workflow-ids.ts';
import { clusterWorkflowId } from '../domain/ids.ts';
import { deleteRequestedSignal, membersChangedSignal, specChangedSignal, stateQuery } from '../workflows/messages.ts';
import { clusterSearchAttributes } from '../domain/search-attributes.ts';
import type { ClusterKey, ClusterWorkflowState } from '../domain/types.ts';

/** The cluster workflow's latest run as describe() tells it, or NOT_FOUND (never started, or its history is gone). */
export type RunStatus = WorkflowExecutionStatusName | 'NOT_FOUND';

/** Statuses of a run that still runs (or whose state cannot be told): never started again. */
const ALIVE: ReadonlySet<RunStatus> = new Set(['RUNNING', 'CONTINUED_AS_NEW', 'PAUSED', 'UNSPECIFIED', 'UNKNOWN']);

export type Revival =
  | { kind: 'none'; why: string }
  /** Start a new run with this signal; `report`: a run existed before (an Event says it ended). */
  | { kind: 'start'; signal: 'specChanged' | 'deleteRequested'; report: boolean };

/**
 * Pure: must a resync start the cluster's workflow again? It has to run for as long as the
 * EtcdCluster exists with a valid spec, and while it is deleted with our finalizer on (the delete
 * finishes by removing it). `ours`: the object carries our finalizer, which the workflow adds
 * before anything else, so a workflow has run for it.
 */
export function revival(p: DispatchDecision, run: RunStatus, ours: boolean): Revival {
  if (ALIVE.has(run)) return { kind: 'none', why: `the workflow is ${run}` };
  if (p.kind === 'invalid') return { kind: 'none', why: 'invalid spec: no workflow until the next valid edit' };
  if (p.kind === 'none' && p.deleted) return { kind: 'none', why: 'deleted and not ours to clean up (the delete finished)' };
  const signal = p.kind === 'delete' ? 'deleteRequested' : 'specChanged';
  // NOT_FOUND for an object no workflow has touched yet is an ordinary first start.
  return { kind: 'start', signal, report: run !== 'NOT_FOUND' || ours };
}

/** How long a resync waits for the ended run's state (a query replays its history on a worker). */
const STATE_QUERY_MS = 10_000;

/**
 * The workflow task timeout of the long-lived workflows (cluster, user). A worker that has not seen
 * a run (after a restart, a new replica) replays its whole history in one workflow task; on a busy
 * node a cluster history of ~2000 events took longer than Temporal's default 10 s, so the task
 * timed out and was replayed from the start again, for minutes (seen in the crash suites). A task
 * held by a worker that died waits this long before another worker gets it.
 */
export const LONG_LIVED_TASK_TIMEOUT = '30s';

export class Dispatcher {
  /** uid -> last generation signalled, to keep our own status writes from re-signalling. */
  private readonly signalled = new Map<string, number | 'delete'>();
  /** uids whose workflow is being started again (a slow start must not overlap the next resync's). */
  private readonly reviving = new Set<string>();

  private readonly ids: WorkflowIds;

  constructor(private readonly client: Client, private readonly kube: Kube, private readonly taskQueue: string, private readonly log: Logger) {
    this.ids = new WorkflowIds(client);
  }

  /** `resync`: the periodic relist, which also starts a new run of a cluster workflow that ended. */
  async handle(obj: EtcdCluster, opts: { resync?: boolean } = {}): Promise<void> {
    const { name, namespace, uid } = obj.metadata;
    if (!name || !namespace || !uid) return;
    const key: ClusterKey = { name, namespace, uid };
    const p = dispatchDecision(obj);
    if (opts.resync && p.kind !== 'invalid' && await this.restartIfEnded(obj, key, p)) return;
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
        // Side by side: the signal does not wait for the status write (both are retried on the next
        // event or resync if either fails; a second signal of one generation changes nothing).
        await Promise.all([
          this.markSpecValid(obj, key, p.generation),
          this.signalWithStart(key, specChangedSignal, [{ generation: p.generation }]),
        ]);
        this.signalled.set(uid, p.generation);
      }
    }
  }

  forget(key: ClusterKey): void { this.signalled.delete(key.uid); this.ids.forget(clusterWorkflowId(key)); }

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
      const id = await this.ids.cluster({ namespace: pod.metadata?.namespace ?? '', name: owner.name, uid: owner.uid });
      await this.client.workflow.getHandle(id).signal(membersChangedSignal);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // Recorded only once the workflow has heard of it: a failed signal is sent again on the next event or resync.
    if (deleted) this.podReady.delete(podUid);
    else this.podReady.set(podUid, ready);
  }

  /**
   * Signal-with-start: a running workflow gets the signal (USE_EXISTING); an ended one (any close
   * status, ALLOW_DUPLICATE) or none gets a new run, which adopts a cluster that has members.
   * `state`: what the new run carries over from the ended one. Returns the signalled run's id.
   */
  private async signalWithStart(key: ClusterKey, signal: typeof specChangedSignal | typeof deleteRequestedSignal, args: unknown[], state?: ClusterWorkflowState): Promise<string> {
    const handle = await this.client.workflow.signalWithStart('etcdClusterWorkflow', {
      workflowId: await this.ids.cluster(key),
      taskQueue: this.taskQueue,
      staticSummary: `etcd cluster ${key.namespace}/${key.name}: the reconcile loop`,
      args: [{ key, ...(state && { state }) }],
      signal: signal.name, signalArgs: args,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowTaskTimeout: LONG_LIVED_TASK_TIMEOUT,
      typedSearchAttributes: clusterSearchAttributes(key, 'Cluster'),
    });
    this.log.info({ cluster: `${key.namespace}/${key.name}`, signal: signal.name }, 'signalled cluster workflow');
    return handle.signaledRunId;
  }

  /**
   * Resync: starts a new run of the cluster workflow when the last one ended while the object still
   * needs it (see `revival`), with an Event saying how it ended. True when this resync is done with
   * the object (restarted, or nothing to do after all); false to go on with the ordinary plan.
   */
  private async restartIfEnded(obj: EtcdCluster, key: ClusterKey, p: DispatchDecision): Promise<boolean> {
    if (this.reviving.has(key.uid)) return true;
    const id = await this.ids.cluster(key);
    let run: RunStatus = 'NOT_FOUND';
    let runId: string | undefined;
    try {
      const d = await this.client.workflow.getHandle(id).describe();
      run = d.status.name;
      runId = d.runId;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (revival(p, run, hasFinalizer(obj)).kind === 'none') return false;
    this.reviving.add(key.uid);
    try {
      // The informer's copy may be stale (a delete that just removed the finalizer): decide on a fresh read.
      const fresh = await this.kube.getCluster(key.namespace, key.name);
      if (!fresh || fresh.metadata.uid !== key.uid) return true;
      const freshDecision = dispatchDecision(fresh);
      const r = freshDecision.kind === 'invalid' ? undefined : revival(freshDecision, run, hasFinalizer(fresh));
      if (!r || r.kind === 'none') return true; // gone, deleted or invalid by now: the next event plans it
      const cluster = `${key.namespace}/${key.name}`;
      // An operation of the ended run (cancelled when it closed) may still be finishing: never two at once.
      const busy = await this.runningChild(id);
      if (busy) {
        this.log.warn({ cluster, previous: run, child: busy }, 'cluster workflow ended; a new run starts once its operation has finished');
        return true;
      }
      const state = runId && run !== 'NOT_FOUND' ? await this.carriedState(id, runId, cluster) : undefined;
      const generation = fresh.metadata.generation ?? 0;
      if (freshDecision.kind === 'converge') await this.markSpecValid(fresh, key, generation);
      const newRunId = r.signal === 'deleteRequested'
        ? await this.signalWithStart(key, deleteRequestedSignal, [], state)
        : await this.signalWithStart(key, specChangedSignal, [{ generation }], state);
      this.signalled.set(key.uid, r.signal === 'deleteRequested' ? 'delete' : generation);
      if (!r.report) return true;
      const ended = run === 'NOT_FOUND' ? 'no run of it was found (its history is gone)' : `its previous run ended as ${run}`;
      const message = `The cluster workflow ${id} was not running: ${ended}. Started a new run (${newRunId}), which takes the cluster over as it finds it${r.signal === 'deleteRequested' ? ' and finishes the delete' : ''}.`;
      this.log.warn({ cluster, previous: run, runId: newRunId }, 'cluster workflow was not running: started a new run');
      await this.kube.createEvent(eventAbout({ apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid },
        { id: `workflow-restarted-${(runId ?? newRunId).slice(0, 8)}`, type: 'Warning', reason: 'WorkflowRestarted', message }, new Date()));
      return true;
    } finally {
      this.reviving.delete(key.uid);
    }
  }

  /** A still-running child (operation) of any run of the cluster workflow, if the server can tell. */
  private async runningChild(id: string): Promise<string | undefined> {
    try {
      for await (const w of this.client.workflow.list({ query: `ParentWorkflowId = '${id}' AND ExecutionStatus = 'Running'`, pageSize: 1 })) return w.workflowId;
    } catch (err) {
      this.log.warn({ workflowId: id, err: String(err) }, 'cannot list running operations (visibility); starting the cluster workflow anyway');
    }
    return undefined;
  }

  /**
   * What a new run keeps from the ended one: its counters, so operation workflow IDs and Event names
   * are not used twice and a member name handed out is never handed out again. Everything else
   * (created, held failures, approvals) the new run finds out from the cluster itself.
   */
  private async carriedState(id: string, runId: string, cluster: string): Promise<ClusterWorkflowState | undefined> {
    try {
      const old = await this.client.withDeadline(Date.now() + STATE_QUERY_MS, () => this.client.workflow.getHandle(id, runId).query(stateQuery));
      return {
        ...initialState(), operations: old.operations,
        ...(old.highestMemberIndex !== undefined && { highestMemberIndex: old.highestMemberIndex }),
        ...(old.certificateIssues !== undefined && { certificateIssues: old.certificateIssues }),
      };
    } catch (err) {
      this.log.warn({ cluster, err: String(err) }, 'cannot read the ended run\'s state: the new run counts operations from 1');
      return undefined;
    }
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

const hasFinalizer = (obj: EtcdCluster) => obj.metadata.finalizers?.includes(FINALIZER) ?? false;
