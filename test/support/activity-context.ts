// Calls an activity function directly, outside a worker, with the activity context it reads
// (Context.current(): info, heartbeat, cancellation), through @temporalio/testing's
// MockActivityEnvironment: a thrown ApplicationFailure reaches the caller as it was thrown, with
// its type, not wrapped the way a workflow would see it.
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

/** Runs `fn` as the activity `activityType` of workflow `workflowId` would run (attempt 1, never cancelled). */
export function inActivity<T>(activityType: string, fn: () => Promise<T>, workflowId = 'contract'): Promise<T> {
  const env = new MockActivityEnvironment(
    { activityType, workflowExecution: { workflowId, runId: 'contract' }, startToCloseTimeoutMs: 180_000, scheduleToCloseTimeoutMs: 180_000 },
    { logger: new DefaultLogger('ERROR') },
  );
  return env.run(fn);
}
