// The long-lived workflow of one EtcdCluster: a reconcile loop. Observe (etcd + Pods + PVCs) ->
// plan (pure, workflows/reconcile-planner.ts) -> run the one chosen operation as a child workflow
// with a deterministic ID -> observe again, until the cluster matches its spec. Signals (spec
// changed, members changed, delete, retry) are handled between steps; the loop never blocks on a
// cluster that does not answer.
import {
  CancellationScope, ParentClosePolicy, allHandlersFinished, condition, continueAsNew, executeChild,
  isCancellation, log, patched, workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { kubeUntilDone, observe } from './activity-proxies.ts';
import { createClusterWorkflow } from './create.ts';
import { deleteClusterWorkflow } from './delete.ts';
import { memberName } from '../k8s/api.ts';
import { operationWorkflowId } from '../domain/ids.ts';
import { operationSummary } from './summaries.ts';
import { initialState, registerClusterHandlers } from './cluster-handlers.ts';
import { failureType, message } from '../domain/failures.ts';
import { configureAuthWorkflow } from './configure-auth.ts';
import { defragClusterWorkflow } from './defrag.ts';
import { planNext, type Decision } from './reconcile-planner.ts';
import { type MemberChange } from '../domain/types.ts';
import { leaderLast, memberIndex } from '../domain/members.ts';
import { rollingUpdateWorkflow } from './rolling-update.ts';
import { recoverClusterWorkflow } from './recover.ts';
import { replaceMemberWorkflow } from './replace-member.ts';
import { restartMemberWorkflow } from './restart-member.ts';
import { scaleClusterWorkflow } from './scale.ts';
import { clusterSearchAttributes } from '../domain/search-attributes.ts';
import type { ClusterWorkflowInput, ClusterWorkflowState, MemberOperationInput, OperationInput, OperationType, RecoverInput } from '../domain/types.ts';

/** Idle re-observation: catches whatever a lost signal would have told. */
const RESYNC: Duration = '30 seconds';
/**
 * A converged cluster is looked at again after 30 s, then 1 m, then every 2 m while nothing wakes the
 * loop: pod readiness flips, deletions and spec changes are signalled at once, so the re-observation
 * only catches what no event tells (etcd-level changes), and an idle cluster costs few API calls.
 */
const CONVERGED_RESYNC_MS = [30_000, 60_000, 120_000];
/** Re-observation while something settles (a member starting) or cannot be fixed safely (no quorum). */
const SETTLE: Duration = '5 seconds';
const QUORUM_LOST: Duration = '5 seconds';
/** A certificate Secret that cannot be used is looked at again this often (Secrets are not watched). */
const TLS_RECHECK: Duration = '10 seconds';
/** After a failed operation the same step waits 30s, 1m, 2m, ... at most 10m (or a retry / new generation). */
const HOLD_BASE_MS = 30_000;
const HOLD_MAX_MS = 10 * 60_000;

/** What identifies "the same operation" for holding a failed one back. */
function changeKey(c: MemberChange | undefined): string {
  if (!c) return 'Create';
  if (c.type === 'Upgrade' || c.type === 'RollingUpdate') return `${c.type}:${c.templateHash}`;
  if (c.type === 'Defrag') return `Defrag:${c.noSpace}`;
  if (c.type === 'ConfigureAuth') return `ConfigureAuth:${c.enable}`;
  return `${c.type}:${'action' in c ? c.action : ''}:${c.member}`;
}

type Outcome = 'ok' | 'failed' | 'cancelled';

/**
 * Runs started before this patch record an operation's Started Event before starting it, and write
 * its outcome to status before recording its outcome Event. Now the Started Event is written while
 * the operation starts (a failover's new pod no longer waits for it), and the outcome's status and
 * Event are written at once; the outcome Event still comes after the Started one.
 */
export const OPERATION_EVENTS_BESIDE_PATCH = 'operation-events-beside';

export async function etcdClusterWorkflow(input: ClusterWorkflowInput): Promise<void> {
  const { key } = input;
  // Everything that decides what runs next lives in state, so continue-as-new carries it.
  const state: ClusterWorkflowState = { ...initialState(), ...input.state };
  let plannedGeneration = 0;
  let pausedReported = false;
  /** Converged passes in a row that nothing woke (see CONVERGED_RESYNC_MS). */
  let quietPasses = 0;

  // A retry or a wake-up is kept in state: one that arrives just before continue-as-new is carried over.
  registerClusterHandlers(state, { retry: () => { state.retryRequested = true; }, membersChanged: () => { state.wake = true; } });

  /** Waits until something may have changed: a signal, a newer generation, or the timeout (none: until one of those). */
  const idle = (timeout?: Duration | number) => {
    const changed = () => state.deleteRequested || state.wake === true || state.retryRequested === true || state.seenGeneration > plannedGeneration || workflowInfo().continueAsNewSuggested;
    return timeout === undefined ? condition(changed) : condition(changed, timeout);
  };

  /** Status and Events must not stop the loop: a permanent failure (e.g. RBAC) is logged and the loop goes on. */
  const tolerate = async (what: string, p: Promise<unknown>) => {
    try { await p; } catch (err) { log.warn(`${what} failed`, { error: message(err) }); }
  };

  async function runOperation(type: OperationType, generation: number, args: OperationInput | MemberOperationInput | RecoverInput): Promise<Outcome> {
    state.operations += 1;
    const workflowId = operationWorkflowId(workflowInfo().workflowId, type, state.operations);
    state.current = { type, workflowId };
    const seq = `${type.toLowerCase()}-${state.operations}`;
    const reason = 'reason' in args ? args.reason : undefined;
    const beside = patched(OPERATION_EVENTS_BESIDE_PATCH);
    const started = reason ? tolerate('event', kubeUntilDone.recordEvent(key, { id: `${seq}-started`, type: 'Normal', reason: `${type}Started`, message: `${reason} (workflow ${workflowId})` })) : undefined;
    if (!beside) await started;
    /** The outcome's status and Event, once the Started Event is written: one after the other in runs started before the patch. */
    const outcome = async (status: () => Promise<unknown>, event: () => Promise<unknown>) => {
      await started;
      if (beside) await Promise.all([tolerate('status', status()), tolerate('event', event())]);
      else { await tolerate('status', status()); await tolerate('event', event()); }
    };
    // Deleting the cluster cancels whatever runs (the delete cleans up after it).
    const scope = new CancellationScope();
    let finished = false;
    if (type !== 'Delete') void condition(() => finished || state.deleteRequested).then(() => { if (!finished) scope.cancel(); });
    try {
      const child = {
        Create: createClusterWorkflow, Delete: deleteClusterWorkflow, Scale: scaleClusterWorkflow, RestartMember: restartMemberWorkflow, ReplaceMember: replaceMemberWorkflow,
        Recover: recoverClusterWorkflow, Upgrade: rollingUpdateWorkflow, RollingUpdate: rollingUpdateWorkflow, Defrag: defragClusterWorkflow,
        ConfigureAuth: configureAuthWorkflow,
      }[type];
      const result = await scope.run(() => executeChild(child as (a: typeof args) => Promise<unknown>, {
        workflowId, args: [args],
        staticSummary: operationSummary(key, type, reason),
        typedSearchAttributes: clusterSearchAttributes(key, type),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      }));
      state.lastError = undefined;
      // Operations that tell their own outcome (a rollout paused half-way, what a defrag freed) say it.
      const told = (result as { message?: unknown } | undefined)?.message;
      const summary = typeof told === 'string' ? told : reason ? `${type} finished: ${reason}` : `${type} finished`;
      await outcome(
        () => kubeUntilDone.reportOutcome(key, { type, workflowId, result: 'Succeeded', message: summary, ...(type === 'Create' && { generation }) }),
        () => kubeUntilDone.recordEvent(key, { id: `${seq}-ok`, type: 'Normal', reason: `${type}Succeeded`, message: `${typeof told === 'string' ? told : `${type} finished`} (workflow ${workflowId})` }),
      );
      return 'ok';
    } catch (err) {
      // A namesake someone else owns (NameConflict) is its own Degraded reason and Event; the message names the object.
      state.lastErrorType = failureType(err);
      if (isCancellation(err)) {
        await outcome(
          () => kubeUntilDone.reportOutcome(key, { type, workflowId, result: 'Cancelled', message: `${type} cancelled` }),
          () => kubeUntilDone.recordEvent(key, { id: `${seq}-cancelled`, type: 'Normal', reason: `${type}Cancelled`, message: `${type} cancelled (workflow ${workflowId}); resume with: etcdop ops retry ${key.name} -n ${key.namespace}` }),
        );
        state.lastError = `${type} was cancelled`;
        return 'cancelled';
      }
      state.lastError = message(err);
      log.warn('operation failed', { type, workflowId, error: state.lastError });
      const failed = state.lastError;
      const errorType = state.lastErrorType;
      await outcome(
        () => kubeUntilDone.reportOutcome(key, { type, workflowId, result: 'Failed', message: failed, ...(errorType && { failureType: errorType }) }),
        () => kubeUntilDone.recordEvent(key, { id: `${seq}-failed`, type: 'Warning', reason: errorType === 'NameConflict' ? 'NameConflict' : `${type}Failed`, message: `${failed} (workflow ${workflowId}; retry with: etcdop ops retry ${key.name} -n ${key.namespace})` }),
      );
      return 'failed';
    } finally {
      finished = true;
      state.current = undefined;
    }
  }

  /** Runs the operation unless the same one failed lately; a failure holds it back with a growing delay. */
  async function operate(change: MemberChange | undefined, generation: number, args: OperationInput | MemberOperationInput | RecoverInput, type: OperationType = change?.type ?? 'Create'): Promise<void> {
    const opKey = type === 'Recover' ? 'Recover' : changeKey(change);
    const held = state.failedOp;
    if (held && held.key === opKey && !state.retryRequested && state.seenGeneration <= held.generation && (held.forever || Date.now() < held.until)) {
      // A cancelled operation waits without a timer (no timer longer than Temporal accepts).
      await idle(held.forever ? undefined : held.until - Date.now());
      return;
    }
    state.retryRequested = false;
    const outcome = await runOperation(type, generation, args);
    if (outcome === 'ok') {
      state.failedOp = undefined;
      state.failures = 0;
      return;
    }
    state.failures = (state.failures ?? 0) + 1;
    state.failedGeneration = generation;
    // A cancelled operation waits for `etcdop ops retry` or a new generation; a failed one for a growing delay.
    state.failedOp = outcome === 'cancelled'
      ? { key: opKey, generation, until: 0, forever: true }
      : { key: opKey, generation, until: Date.now() + Math.min(HOLD_MAX_MS, HOLD_BASE_MS * 2 ** (state.failures - 1)) };
  }

  async function deleteCluster(): Promise<void> {
    // Deletion is retried until it succeeds: a half-deleted cluster must not stay behind.
    while ((await runOperation('Delete', state.seenGeneration, { key })) !== 'ok') {
      await condition(() => state.retryRequested === true || workflowInfo().continueAsNewSuggested, '1 minute');
      state.retryRequested = false;
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof etcdClusterWorkflow>({ key, state });
      }
    }
  }

  async function report(desired: { size: number }, obs: Awaited<ReturnType<typeof observe.observeCluster>>, decision: Decision, reason = decision.reason): Promise<void> {
    const quorumLost = (decision.kind === 'wait' && decision.quorumLost === true) || decision.kind === 'recover';
    // Known before the status says QuorumLost, so an approval given on seeing it is accepted.
    state.quorumLost = quorumLost ? decision.reason : undefined;
    await tolerate('status', kubeUntilDone.reportObservation(key, obs, desired.size, {
      reason, quorumLost,
      // A failed operation held back keeps the cluster Degraded until it succeeds, is retried or the spec changes.
      ...(state.failedOp && state.lastError && decision.kind === 'operate' && { failed: `${state.lastError} (retry with: etcdop ops retry ${key.name} -n ${key.namespace})`, failedType: state.lastErrorType }),
    }));
  }

  /** Quorum lost for good: restore every member from the latest backup, once approved (or by policy). */
  async function recover(desired: { size: number; generation: number; recoveryPolicy?: string }, obs: Awaited<ReturnType<typeof observe.observeCluster>>, decision: Extract<Decision, { kind: 'recover' }>): Promise<void> {
    const approved = desired.recoveryPolicy === 'RestoreLatestBackup' || state.recoveryApproved === true;
    if (!approved) {
      const how = `restore every member from the latest backup with: etcdop approve ${key.name} -n ${key.namespace} (or the approveRecovery signal in the Temporal UI), or set spec.recovery.policy: RestoreLatestBackup`;
      // Why the last attempt failed stays in the condition while the next approval is awaited.
      const lastFailed = state.failedOp?.key === 'Recover' && state.lastError ? `the last recovery failed: ${state.lastError}; ` : '';
      await report(desired, obs, decision, `${decision.reason}; ${lastFailed}waiting for approval: ${how}`);
      if (state.awaitingApproval === undefined) {
        await tolerate('event', kubeUntilDone.recordEvent(key, { id: `recovery-approval-${state.operations}`, type: 'Warning', reason: 'RecoveryNeedsApproval', message: `${decision.reason}. Nothing is deleted until approved: ${how}` }));
      }
      state.awaitingApproval = decision.reason;
      await idle(QUORUM_LOST);
      return;
    }
    state.awaitingApproval = undefined;
    await report(desired, obs, decision, `${decision.reason}; restoring from the latest backup`);
    // A recovery that failed is retried onto the same fresh names (volumes it restored are reused).
    let members = state.recoveryMembers;
    if (!members || members.length !== desired.size) {
      const first = (state.highestMemberIndex ?? -1) + 1;
      members = Array.from({ length: desired.size }, (_, i) => memberName(key.name, first + i));
      state.highestMemberIndex = first + desired.size - 1;
      state.recoveryMembers = members;
    }
    const fresh = new Set(members);
    const oldMembers = [...new Set([...obs.members.map((m) => m.name), ...obs.pods.map((p) => p.name), ...obs.volumes])].filter((m) => m && !fresh.has(m)).sort();
    const ran = state.operations;
    await operate(undefined, desired.generation, { key, reason: decision.reason, oldMembers, members }, 'Recover');
    // An approval is used once: by this recovery, whatever its outcome (a failure asks again).
    if (state.operations !== ran) state.recoveryApproved = false;
    if (!state.failedOp) state.recoveryMembers = undefined;
  }

  /** spec.tls: issues (mode auto) or checks (mode secrets) the certificates; a problem is a condition, an Event and a wait. */
  async function certificates(): Promise<void> {
    try {
      const { issued } = await kubeUntilDone.ensureCertificates(key);
      state.tlsProblem = undefined;
      if (issued.length) {
        state.certificateIssues = (state.certificateIssues ?? 0) + 1;
        await tolerate('event', kubeUntilDone.recordEvent(key, { id: `certificates-${state.certificateIssues}`, type: 'Normal', reason: 'CertificatesIssued', message: `Issued ${issued.join(', ')}` }));
      }
    } catch (err) {
      const problem = message(err);
      if (state.tlsProblem !== problem) {
        state.certificateIssues = (state.certificateIssues ?? 0) + 1;
        await tolerate('event', kubeUntilDone.recordEvent(key, { id: `tls-problem-${state.certificateIssues}`, type: 'Warning', reason: 'TLSSecretInvalid', message: `${problem}; nothing starts until it is fixed` }));
      }
      state.tlsProblem = problem;
      state.lastError = problem;
      await tolerate('status', kubeUntilDone.reportTlsProblem(key, problem));
      await idle(TLS_RECHECK);
    }
  }

  // First: nothing is created before deletion can be intercepted. A permanent error (RBAC) waits for a fix.
  for (;;) {
    try {
      await kubeUntilDone.ensureFinalizer(key);
      break;
    } catch (err) {
      state.lastError = message(err);
      log.warn('adding the finalizer failed', { error: state.lastError });
      await condition(() => state.retryRequested === true || state.deleteRequested, RESYNC);
      state.retryRequested = false;
    }
  }

  for (;;) {
    if (state.deleteRequested) return deleteCluster();
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof etcdClusterWorkflow>({ key, state });
    }
    state.wake = false;
    state.converged = false;

    let desired;
    try {
      desired = await kubeUntilDone.readCluster(key);
    } catch (err) {
      if (failureType(err) === 'TLSSecretInvalid') {
        // A certificate is missing (mode auto issues it) or unusable (reported until fixed).
        await certificates();
        continue;
      }
      // An invalid spec: the watcher reports it (SpecValid=False); wait for the next edit.
      state.lastError = message(err);
      plannedGeneration = state.seenGeneration;
      await idle(RESYNC);
      continue;
    }
    state.tlsProblem = undefined; // the certificates load again
    if (!desired) return; // gone without a delete signal: nothing left to manage
    if (desired.deleting) { state.deleteRequested = true; continue; }
    plannedGeneration = Math.max(desired.generation, state.seenGeneration);
    if (desired.paused) {
      if (!pausedReported) await tolerate('event', kubeUntilDone.recordEvent(key, { id: `paused-${desired.generation}`, type: 'Normal', reason: 'Paused', message: 'spec.paused is true: no new operations start' }));
      pausedReported = true;
      state.doneGeneration = Math.max(state.doneGeneration, desired.generation);
      await idle(RESYNC);
      continue;
    }
    pausedReported = false;
    if (desired.certificatesDue) {
      await certificates(); // mode auto: renew before anything else (the renewed ones roll out as a pod change)
      continue;
    }

    // spec.backup as a Temporal Schedule, made to match each new generation.
    if ((state.scheduleGeneration ?? 0) < desired.generation) {
      try {
        const did = await kubeUntilDone.syncBackupSchedule(key);
        if (did === 'created' || did === 'updated' || did === 'deleted') {
          await tolerate('event', kubeUntilDone.recordEvent(key, { id: `schedule-${desired.generation}`, type: 'Normal', reason: 'BackupSchedule', message: `Backup schedule ${did}` }));
        }
      } catch (err) {
        await tolerate('event', kubeUntilDone.recordEvent(key, { id: `schedule-failed-${desired.generation}`, type: 'Warning', reason: 'BackupScheduleFailed', message: message(err) }));
      }
      state.scheduleGeneration = desired.generation;
    }

    // spec.storage.retainOnDelete, applied to the member volumes that exist at each new generation, so
    // no cascade delete takes volumes the user keeps. A failure is tried again at the next pass.
    if ((state.volumeOwnersGeneration ?? 0) < desired.generation) {
      try {
        const { owned, released } = await kubeUntilDone.syncVolumeOwners(key);
        const changed = [
          ...(released.length ? [`kept when the cluster is deleted (retainOnDelete), no longer owned by it: ${released.join(', ')}`] : []),
          ...(owned.length ? [`deleted with the cluster (retainOnDelete false), owned by it again: ${owned.join(', ')}`] : []),
        ];
        if (changed.length) await tolerate('event', kubeUntilDone.recordEvent(key, { id: `volume-owners-${desired.generation}`, type: 'Normal', reason: 'VolumeOwnersChanged', message: `Volumes ${changed.join('; ')}` }));
        state.volumeOwnersGeneration = desired.generation;
      } catch (err) {
        await tolerate('event', kubeUntilDone.recordEvent(key, { id: `volume-owners-failed-${desired.generation}`, type: 'Warning', reason: 'VolumeOwnersFailed', message: message(err) }));
      }
    }

    let obs;
    try {
      obs = await observe.observeCluster(key);
    } catch (err) {
      // Only a permanent error gets here (e.g. RBAC): the loop waits instead of failing the workflow.
      state.lastError = message(err);
      log.warn('observation failed', { error: state.lastError });
      await idle(RESYNC);
      continue;
    }
    if (!state.created) {
      // A fresh workflow (terminated, reset) over a cluster that has members adopts it: Create
      // (which starts members as `new`) runs only for a cluster that never had any. Pods left by
      // this workflow's own failed Create (never bootstrapped, no etcd member answers) are not
      // members yet: Create runs again, held back until a retry or a spec fix, and heals them.
      const ownCreateFailed = state.failedOp?.key === 'Create' && !obs.bootstrapped && !obs.members.length;
      if (!ownCreateFailed && (obs.bootstrapped || obs.members.length || obs.pods.length || obs.volumes.length)) {
        log.info('adopting an existing cluster', { members: obs.members.length, pods: obs.pods.length });
        state.created = true;
      } else {
        await operate(undefined, desired.generation, { key });
        if (!state.failedOp) {
          state.created = true;
          state.doneGeneration = Math.max(state.doneGeneration, desired.generation);
          await tolerate('annotation', kubeUntilDone.markBootstrapped(key));
        }
        continue;
      }
    }
    if (!obs.bootstrapped && obs.quorum) await tolerate('annotation', kubeUntilDone.markBootstrapped(key));

    state.highestMemberIndex = Math.max(state.highestMemberIndex ?? -1, obs.highestIndex);
    const decision = planNext(key.name, desired, { ...obs, highestIndex: state.highestMemberIndex });
    state.lastDecision = decision.reason;
    if (decision.kind === 'recover') {
      await recover(desired, obs, decision);
      continue;
    }
    await report(desired, obs, decision);
    if (!state.quorumLost) {
      // Quorum is back: a pending approval (or a recovery's names) belongs to a loss that is over.
      state.awaitingApproval = undefined;
      state.recoveryApproved = false;
      state.recoveryMembers = undefined;
    }

    if (decision.kind === 'converged' && state.defragRequested) {
      // `etcdop defrag`: runs once the cluster is converged, so it never competes with a repair.
      await operate({ type: 'Defrag', members: leaderLast(obs.members), noSpace: false }, desired.generation, { key, change: { type: 'Defrag', members: leaderLast(obs.members), noSpace: false }, reason: 'requested (etcdop defrag)', members: obs.members.map((m) => m.name) });
      if (!state.failedOp) state.defragRequested = false;
      continue;
    }
    if (decision.kind === 'converged') {
      state.failedOp = undefined;
      state.failures = 0;
      if (state.doneGeneration < desired.generation) {
        await tolerate('status', kubeUntilDone.reportObserved(key, desired.generation));
        state.doneGeneration = desired.generation;
      }
      state.converged = true;
      const woken = await idle(CONVERGED_RESYNC_MS[Math.min(quietPasses, CONVERGED_RESYNC_MS.length - 1)]);
      quietPasses = woken ? 0 : quietPasses + 1;
      continue;
    }
    quietPasses = 0;
    if (decision.kind === 'wait') {
      await idle(decision.quorumLost ? QUORUM_LOST : SETTLE);
      continue;
    }
    const { change } = decision;
    // A new name is never handed out twice, even if the operation that used it fails.
    const added = change.type === 'ReplaceMember' ? change.replacement : change.type === 'Scale' && change.action === 'add' ? change.member : undefined;
    if (added) state.highestMemberIndex = Math.max(state.highestMemberIndex, memberIndex(key.name, added) ?? -1);
    await operate(change, desired.generation, { key, change, reason: decision.reason, members: obs.members.map((m) => m.name) });
  }
}
