// What the cluster workflow (both loops) shares: its initial state, its message handlers, and how
// a failure is told in one line.
import { setHandler } from '@temporalio/workflow';
import { approveRecoverySignal, approveRecoveryUpdate, defragSignal, defragUpdate, deleteRequestedSignal, membersChangedSignal, retrySignal, retryUpdate, specChangedSignal, stateQuery } from './messages.ts';
import type { ClusterWorkflowState } from './types.ts';

export const initialState = (): ClusterWorkflowState => ({ created: false, seenGeneration: 0, doneGeneration: 0, deleteRequested: false, operations: 0, failedGeneration: -1 });

/** The activity's own failure message, not the wrappers'. */
export const message = (err: unknown): string => {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
};

/** The innermost failure's type (an activity's ApplicationFailure type, e.g. TLSSecretInvalid). */
export const failureType = (err: unknown): string | undefined => {
  let e = err as { type?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.type;
};

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
  const approve = () => { if (state.awaitingApproval) { state.recoveryApproved = true; on.membersChanged(); } };
  setHandler(approveRecoverySignal, approve);
  setHandler(approveRecoveryUpdate, () => { const what = state.awaitingApproval ?? ''; approve(); return { approved: what }; }, {
    validator: () => {
      if (!state.awaitingApproval) throw new Error('nothing waits for approval: the cluster has not lost quorum for good');
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
