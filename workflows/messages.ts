// Signals, queries and updates of the per-cluster workflow; the watcher and the CLI import these.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ClusterWorkflowState } from './types.ts';

/** The watcher saw a spec at this generation: converge to it. */
export const specChangedSignal = defineSignal<[{ generation: number }]>('specChanged');
/** The EtcdCluster has a deletionTimestamp: run the delete operation, then end. */
export const deleteRequestedSignal = defineSignal('deleteRequested');
/** A member pod changed (watcher): observe the members and refresh status. */
export const membersChangedSignal = defineSignal('membersChanged');
/** Run the last failed operation again (CLI `ops retry`). */
export const retrySignal = defineSignal('retry');
export const stateQuery = defineQuery<ClusterWorkflowState>('state');
/** The current step of an operation workflow. */
export const stepQuery = defineQuery<string>('step');
