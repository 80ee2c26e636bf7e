// The cluster workflow's first released loop (Create and Delete only), kept so that histories of
// runs started before the reconcile loop (no 'reconcile-loop' marker) replay unchanged. Such a run
// moves to the reconcile loop at its next continue-as-new.
import {
  ParentClosePolicy, allHandlersFinished, condition, continueAsNew, executeChild,
  log, workflowInfo,
} from '@temporalio/workflow';
import { etcd, kubeUntilDone as kube } from './activity-proxies.ts';
import { createClusterWorkflow } from './create.ts';
import { deleteClusterWorkflow } from './delete.ts';
import { operationWorkflowId } from './ids.ts';
import { initialState, message, registerClusterHandlers } from './cluster-handlers.ts';
import { clusterSearchAttributes } from './search-attributes.ts';
import type { ClusterWorkflowInput, OperationType } from './types.ts';

export async function legacyClusterLoop({ key, state: carried }: ClusterWorkflowInput): Promise<void> {
  // Everything that decides what runs next lives in state, so continue-as-new carries it.
  const state = { ...initialState(), ...carried };
  let retryRequested = false;
  let pausedReported = false;
  let observeRequested = false;

  registerClusterHandlers(state, { retry: () => { retryRequested = true; }, membersChanged: () => { observeRequested = true; } });

  async function runOperation(type: OperationType, generation: number): Promise<boolean> {
    state.operations += 1;
    const workflowId = operationWorkflowId(key, type, state.operations);
    state.current = { type, workflowId };
    try {
      const child = type === 'Create' ? createClusterWorkflow : deleteClusterWorkflow;
      await executeChild(child, {
        workflowId, args: [{ key }],
        typedSearchAttributes: clusterSearchAttributes(key, type),
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      state.lastError = undefined;
      await kube.reportOutcome(key, { type, workflowId, result: 'Succeeded', message: `${type} finished`, generation });
      await kube.recordEvent(key, { id: `${type.toLowerCase()}-${state.operations}-ok`, type: 'Normal', reason: `${type}Succeeded`, message: `${type} finished (workflow ${workflowId})` });
      return true;
    } catch (err) {
      state.lastError = message(err);
      log.warn('operation failed', { type, workflowId, error: state.lastError });
      await kube.reportOutcome(key, { type, workflowId, result: 'Failed', message: state.lastError });
      await kube.recordEvent(key, { id: `${type.toLowerCase()}-${state.operations}-failed`, type: 'Warning', reason: `${type}Failed`, message: `${state.lastError} (workflow ${workflowId}; retry with: etcdop ops retry ${key.name} -n ${key.namespace})` });
      return false;
    } finally {
      state.current = undefined;
    }
  }

  const pending = () => state.seenGeneration > state.doneGeneration && (state.seenGeneration > state.failedGeneration || retryRequested);

  await kube.ensureFinalizer(key); // first: nothing is created before deletion can be intercepted

  for (;;) {
    await condition(() => state.deleteRequested || pending() || observeRequested || workflowInfo().continueAsNewSuggested);
    if (state.deleteRequested) {
      // Deletion is retried until it succeeds: a half-deleted cluster must not stay behind.
      while (!(await runOperation('Delete', state.seenGeneration))) {
        await condition(() => retryRequested, '1 minute');
        retryRequested = false;
      }
      return;
    }
    if (!pending() && observeRequested) {
      // Between operations: status follows the members (a dead pod shows as Degraded at once).
      observeRequested = false;
      const desired = state.created ? await kube.readCluster(key).catch(() => undefined) : undefined;
      if (desired) {
        // etcd not answering at all is itself the observation: no healthy member.
        const members = await etcd.observeMembers(key).catch(() => []);
        await kube.reportMembers(key, members, desired.size);
      }
      continue;
    }
    if (!pending()) { // only a continue-as-new suggestion gets here
      await condition(allHandlersFinished);
      await continueAsNew<(input: ClusterWorkflowInput) => Promise<void>>({ key, state });
    }
    retryRequested = false;

    let desired;
    try {
      desired = await kube.readCluster(key);
    } catch (err) {
      // Invalid specs are caught by the watcher first; one that slips through waits for the next edit.
      state.failedGeneration = state.seenGeneration;
      state.lastError = message(err);
      continue;
    }
    if (!desired) return; // gone without a delete signal: nothing left to manage
    if (desired.deleting) { state.deleteRequested = true; continue; }
    if (desired.paused) {
      if (!pausedReported) await kube.recordEvent(key, { id: `paused-${desired.generation}`, type: 'Normal', reason: 'Paused', message: 'spec.paused is true: no new operations start' });
      pausedReported = true;
      state.doneGeneration = desired.generation;
      continue;
    }
    pausedReported = false;

    if (!state.created) {
      if (!(await runOperation('Create', desired.generation))) { state.failedGeneration = state.seenGeneration; continue; }
      state.created = true;
    }
    // Resize, upgrade and the other operations land here as they are built; until then a spec
    // change is acknowledged (observedGeneration) and reported, not silently dropped.
    await kube.reportObserved(key, desired.generation);
    state.doneGeneration = Math.max(desired.generation, state.doneGeneration);
  }
}
