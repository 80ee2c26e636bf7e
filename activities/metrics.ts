// The operator's Prometheus metrics (prom-client), in base units with `_total` counters: what the
// activities count as operations start and end, plus the registry the cluster and backup gauges
// (client/cluster-metrics.ts) and the Node.js process metrics join. Served at /metrics (worker/health.ts).
// Each replica counts the operations its worker ran; sum over replicas.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OperationType } from '../domain/types.ts';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const operations = new Counter({
  name: 'etcd_operator_operations_total',
  help: 'Operations (Temporal workflows) by type and result: started, succeeded, failed, cancelled.',
  labelNames: ['type', 'result'] as const,
  registers: [registry],
});
const durations = new Histogram({
  name: 'etcd_operator_operation_duration_seconds',
  help: 'How long finished operations took, from their first step to their outcome, by type and result.',
  labelNames: ['type', 'result'] as const,
  buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
  registers: [registry],
});

const kubeRequests = new Counter({
  name: 'etcd_operator_kube_api_requests_total',
  help: 'Requests this process made to the Kubernetes API server, by verb (HTTP method, or WATCH) and resource.',
  labelNames: ['verb', 'resource'] as const,
  registers: [registry],
});

/** Given to Kube.fromDefault: counts every API request (the scale bench reads it per cluster and minute). */
export function kubeRequestMade(verb: string, resource: string): void {
  kubeRequests.inc({ verb, resource });
}

export function operationStarted(type: OperationType): void {
  operations.inc({ type, result: 'started' });
}

export function operationFinished(type: OperationType, result: 'Succeeded' | 'Failed' | 'Cancelled', startedAt?: string, now = new Date()): void {
  const r = result.toLowerCase();
  operations.inc({ type, result: r });
  const started = startedAt ? Date.parse(startedAt) : NaN;
  if (Number.isFinite(started)) durations.observe({ type, result: r }, Math.max(0, (now.getTime() - started) / 1000));
}
