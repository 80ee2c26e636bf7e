// Signals, queries and updates of the per-cluster workflow; the watcher and the CLI import these.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClusterWorkflowState } from '../domain/types.ts';

/** The watcher saw a spec at this generation: converge to it. */
export const specChangedSignal = defineSignal<[{ generation: number }]>('specChanged');
/** The EtcdCluster has a deletionTimestamp: run the delete operation, then end. */
export const deleteRequestedSignal = defineSignal('deleteRequested');
/** A member pod changed (watcher): observe the members and refresh status. */
export const membersChangedSignal = defineSignal('membersChanged');
/** Run the last failed operation again (CLI `ops retry`). */
export const retrySignal = defineSignal('retry');
/**
 * The CLI's retry: like the signal, but its validator rejects the request (nothing is written to
 * history) when no operation failed, and the caller learns which failure is being retried.
 */
export const retryUpdate = defineUpdate<{ retrying: string }>('retryFailedOperation');
export const stateQuery = defineQuery<ClusterWorkflowState>('state');
/** The current step of an operation workflow. */
export const stepQuery = defineQuery<string>('step');
/** Approve the recovery a cluster waits for (quorum lost for good): restore from the latest backup. The Temporal UI can send it. */
export const approveRecoverySignal = defineSignal('approveRecovery');
/** The CLI's approval: refused (validator) when nothing waits for one; answers what is being recovered. */
export const approveRecoveryUpdate = defineUpdate<{ approved: string }>('approve');
/** Defragment every member, one at a time, once the cluster is converged (the Temporal UI can send it). */
export const defragSignal = defineSignal('defrag');
/** The CLI's defrag request: refused while the cluster is being deleted; answers whether one was already pending. */
export const defragUpdate = defineUpdate<{ alreadyRequested: boolean }>('defrag');
/** The watcher saw the EtcdUser change (spec, deletion): look again now. */
export const userChangedSignal = defineSignal('userChanged');
