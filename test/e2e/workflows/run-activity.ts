// A test workflow that runs one activity once (no retry) with the heartbeat timeout a test chooses:
// e2e tests run real activities in a real worker this way.
import { proxyActivities } from '@temporalio/workflow';

type AnyActivities = Record<string, (...args: unknown[]) => Promise<unknown>>;

export async function runActivityOnce(name: string, args: unknown[], heartbeatTimeout: string): Promise<unknown> {
  const acts = proxyActivities<AnyActivities>({ startToCloseTimeout: '3m', heartbeatTimeout, retry: { maximumAttempts: 1 } });
  return acts[name]!(...args);
}
