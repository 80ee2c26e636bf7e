// Drives etcdClusterWorkflow the way the watcher and the CLI do (signal-with-start, signals, the
// state query), for the workflow test files that share one harness each.
import assert from 'node:assert/strict';
import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { etcdClusterWorkflow } from '../../workflows/cluster.ts';
import { clusterWorkflowId, operationWorkflowId } from '../../domain/ids.ts';
import { specChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { clusterSearchAttributes } from '../../domain/search-attributes.ts';
import type { OperationType } from '../../domain/types.ts';
import { waitFor } from '../support/wait.ts';
import type { ClusterSeed, FakeCluster } from './fake-activities.ts';
import type { Harness } from './harness.ts';

export const TIMEOUT = { timeout: 90_000 };
export type ClusterHandle = WorkflowHandle<typeof etcdClusterWorkflow>;
export type HistoryEvent = NonNullable<Awaited<ReturnType<ClusterHandle['fetchHistory']>>['events']>[number];

export const opId = (c: FakeCluster, type: OperationType, seq: number) => operationWorkflowId(clusterWorkflowId(c.key), type, seq);
export const childStarted = (e: HistoryEvent) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? undefined;
export const activityScheduled = (e: HistoryEvent) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined;

export function outcome(c: FakeCluster, workflowId: string, timeoutMs = 45_000) {
  return waitFor(`outcome of ${workflowId}`, () => c.outcomes.find((o) => o.workflowId === workflowId), { timeoutMs });
}

export function clusterDriver(harness: () => Harness) {
  /** What the watcher does for a new generation: signal-with-start, joining a running workflow. */
  async function specChanged(c: FakeCluster, generation: number): Promise<ClusterHandle> {
    const h = harness();
    return h.track(await h.client.workflow.signalWithStart(etcdClusterWorkflow, {
      workflowId: clusterWorkflowId(c.key), taskQueue: h.taskQueue, args: [{ key: c.key }],
      signal: specChangedSignal, signalArgs: [{ generation }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: clusterSearchAttributes(c.key, 'Cluster'),
    }));
  }

  /** The cluster workflow is idle at this generation: converged (or, never created, paused), nothing running. */
  async function idleAt(handle: ClusterHandle, generation: number, timeoutMs = 30_000): Promise<void> {
    await waitFor(`generation ${generation} done`, async () => {
      const s = await handle.query(stateQuery);
      return s.doneGeneration === generation && !s.current && (s.converged || !s.created);
    }, { timeoutMs });
  }

  /** The history after the nth signal of this name, once a workflow task has handled it. */
  async function afterSignalHandled(handle: ClusterHandle, signalName: string, nth: number): Promise<HistoryEvent[]> {
    return waitFor(`${signalName} #${nth} handled`, async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      const at = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes?.signalName === signalName ? [i] : []))[nth - 1];
      if (at === undefined) return undefined;
      const rest = events.slice(at + 1);
      return rest.some((e) => e.workflowTaskCompletedEventAttributes) ? rest : undefined;
    });
  }

  async function childExists(workflowId: string): Promise<boolean> {
    try {
      await harness().client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** A cluster whose Create has run and whose workflow is idle at generation 1. */
  async function created(seed?: ClusterSeed): Promise<{ c: FakeCluster; handle: ClusterHandle }> {
    const c = harness().world.add({ size: 3, ...seed });
    const handle = await specChanged(c, 1);
    assert.equal((await outcome(c, opId(c, 'Create', 1))).result, 'Succeeded');
    await idleAt(handle, 1);
    return { c, handle };
  }

  return { specChanged, idleAt, afterSignalHandled, childExists, created };
}
