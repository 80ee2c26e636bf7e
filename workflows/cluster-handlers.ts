// What the cluster workflow shares with its callers: its initial state and its message handlers.
import { setHandler } from '@temporalio/workflow';
import { approveRecoverySignal, approveRecoveryUpdate, defragSignal, defragUpdate, deleteRequestedSignal, membersChangedSignal, retrySignal, retryUpdate, specChangedSignal, stateQuery } from './messages.ts';
import type { ClusterWorkflowState } from '../domain/types.ts';

export const initialState = (): ClusterWorkflowState => ({ created: false, seenGeneration: 0, doneGeneration: 0, deleteRequested: false, operations: 0, failedGeneration: -1 });

/** What the cluster is doing, for a refused approval. */
function doingInstead(state: ClusterWorkflowState): string {
  if (state.deleteRequested) return 'the cluster is being deleted';
  const running = state.current ? `; running ${state.current.type}${state.current.step ? ` (${state.current.step})` : ''}, workflow ${state.current.workflowId}` : '';
  return `the cluster has quorum (${state.lastDecision ?? 'not observed yet'})${running}`;
}

/** Registers the signals, the retry update (refused when nothing failed) and the state query. */
export function registerClusterHandlers(state: ClusterWorkflowState, on: { retry: () => void; membersChanged: () => void }): void {
  setHandler(specChangedSignal, ({ generation }) => { state.seenGeneration = Math.max(state.seenGeneration, generation); });
  setHandler(deleteRequestedSignal, () => { state.deleteRequested = true; });
  setHandler(retrySignal, on.retry);
  setHandler(retryUpdate, () => { on.retry(); return { retrying: state.lastError ?? '' }; }, {
    validator: () => {
      if (state.lastError === undefined) throw new Error('nothing to retry: the last operation did not fail');
    },
  });
  setHandler(membersChangedSignal, on.membersChanged);
  // Accepted whenever the status says QuorumLost (for good or not yet): remembered until that loss
  // is over, used by one recovery attempt. A failed recovery held back runs again at once.
  const approvable = () => !state.deleteRequested && (state.awaitingApproval !== undefined || state.quorumLost !== undefined);
  const approve = () => { if (approvable()) { state.recoveryApproved = true; on.retry(); on.membersChanged(); } };
  setHandler(approveRecoverySignal, approve);
  setHandler(approveRecoveryUpdate, () => {
    const what = state.awaitingApproval ?? `${state.quorumLost ?? ''}; approved in advance: if the lost members do not come back, every member is restored from the latest backup`;
    approve();
    return { approved: what };
  }, {
    validator: () => {
      if (!approvable()) throw new Error(`nothing waits for approval: ${doingInstead(state)}`);
    },
  });
  const defrag = () => { const already = state.defragRequested === true; state.defragRequested = true; on.membersChanged(); return { alreadyRequested: already }; };
  setHandler(defragSignal, () => { if (!state.deleteRequested) defrag(); });
  setHandler(defragUpdate, defrag, {
    validator: () => {
      if (state.deleteRequested) throw new Error('the cluster is being deleted');
    },
  });
  setHandler(stateQuery, () => state);
}
