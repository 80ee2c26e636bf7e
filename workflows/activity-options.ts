// Named activity option groups: every activity has a timeout and a bounded retry policy. Timeouts
// of short calls stay short: after a worker crash, an attempt in flight is retried only once its
// start-to-close timeout has passed.
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Kubernetes API calls: short (one or a few calls, well under a second each even on a loaded node;
 * a worker that dies mid-call is retried after 5s), retried with backoff.
 */
export const kubeApi: ActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 20, nonRetryableErrorTypes: ['InvalidSpec'] },
};

/**
 * Kubernetes API calls of the long-lived cluster workflow: retried until they succeed (an API
 * outage delays it; the pending attempt and its last error show in the Temporal UI), because
 * failing that workflow would leave the cluster unmanaged. Permanent errors (403, 422) are not retried.
 */
export const kubeApiUntilDone: ActivityOptions = {
  startToCloseTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['InvalidSpec'] },
};

/** etcd membership changes and health reads: short attempts (each call has a 5s deadline), bounded in total. */
export const etcdApi: ActivityOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', nonRetryableErrorTypes: ['IsLeader', 'UnsafeRemoval', 'NotAMember'] },
};

/**
 * Waits: each attempt looks every 0.25 s for 5 s (activities/poll-within.ts), then fails NotYet and
 * is retried 0.25 s later (the same cadence: no gap in which a met condition goes unseen), until the
 * total bound. 15 s per attempt covers the 5 s and one slow last look.
 */
export const waitPoll: ActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '250ms', backoffCoefficient: 1, maximumInterval: '250ms' },
};

/** The reconcile loop's observation: bounded per attempt (each etcd call has a 2s deadline), retried until done. */
export const observation: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
};

/**
 * Streaming a snapshot (backup, verify, restore of one member): long, so liveness comes from
 * heartbeats (a dead worker is noticed within 30s and the next attempt starts over), bounded in total.
 */
export const snapshotTransfer: ActivityOptions = {
  startToCloseTimeout: '2h',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
};

/** Waiting for a backup someone else runs: checked every 5s for up to 3 hours. */
export const backupWait: ActivityOptions = {
  startToCloseTimeout: '12s',
  scheduleToCloseTimeout: '3h',
  retry: { initialInterval: '5s', backoffCoefficient: 1, maximumInterval: '5s' },
};

/** Defragmenting a member: one long etcd call; heartbeats tell a lost worker within 20s. */
export const maintenanceCall: ActivityOptions = {
  startToCloseTimeout: '15m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
};
