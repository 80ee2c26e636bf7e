// Named activity option groups: every activity has a timeout and a bounded retry policy.
import type { ActivityOptions } from '@temporalio/workflow';

/** Kubernetes API calls: short (a worker that dies mid-call is retried after 10s), retried with backoff. */
export const kubeApi: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 20, nonRetryableErrorTypes: ['InvalidSpec'] },
};

/**
 * Kubernetes API calls of the long-lived cluster workflow: retried until they succeed (an API
 * outage delays it; the pending attempt and its last error show in the Temporal UI), because
 * failing that workflow would leave the cluster unmanaged.
 */
export const kubeApiUntilDone: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidSpec'] },
};

/** etcd membership and health reads: short attempts, bounded in total. */
export const etcdApi: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
};

/** Waits: each attempt checks once; retried at a fixed interval until the total bound. */
export const waitPoll: ActivityOptions = {
  startToCloseTimeout: '20s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 1, maximumInterval: '2s' },
};
