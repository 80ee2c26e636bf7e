// Calls an activity function directly, outside a worker, with the activity context it reads
// (Context.current(): info, heartbeat, cancellation), as @temporalio/testing's
// MockActivityEnvironment does: a thrown ApplicationFailure reaches the caller as it was thrown,
// with its type, not wrapped the way a workflow would see it.
import { Context, asyncLocalStorage, type Info } from '@temporalio/activity';

const info = (activityType: string, workflowId: string): Info => ({
  taskToken: new Uint8Array(), activityId: '1', activityType, workflowType: 'contract', workflowNamespace: 'default',
  workflowExecution: { workflowId, runId: 'contract' }, activityNamespace: 'default', namespace: 'default',
  taskQueue: 'contract', attempt: 1, isLocal: false, heartbeatTimeoutMs: undefined, heartbeatDetails: undefined,
  scheduledTimestampMs: 0, startToCloseTimeoutMs: 180_000, scheduleToCloseTimeoutMs: 180_000, currentAttemptScheduledTimestampMs: 0,
  priority: {}, retryPolicy: undefined,
} as unknown as Info);

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const noMetrics = {
  createCounter: () => ({ add() {}, withTags() { return this; } }),
  createHistogram: () => ({ record() {}, withTags() { return this; } }),
  createGauge: () => ({ set() {}, withTags() { return this; } }),
  withTags() { return this; },
};

/** Runs `fn` as the activity `activityType` of workflow `workflowId` would run (attempt 1, never cancelled). */
export function inActivity<T>(activityType: string, fn: () => Promise<T>, workflowId = 'contract'): Promise<T> {
  const abort = new AbortController();
  const cancelled = new Promise<never>(() => {});
  const ContextCtor = Context as unknown as new (...args: unknown[]) => Context;
  const context = new ContextCtor(info(activityType, workflowId), cancelled, abort.signal, () => {}, undefined, quietLogger, noMetrics, {});
  return asyncLocalStorage.run(context, fn);
}
