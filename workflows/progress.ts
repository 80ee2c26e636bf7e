// Step reporting shared by operations: the current step is queryable and written to status,
// so `kubectl get etcd`, the CLI and the Temporal UI agree on where an operation is.
import { setHandler, workflowInfo } from '@temporalio/workflow';
import { kube } from './activity-proxies.ts';
import { stepQuery } from './messages.ts';
import type { ClusterKey, OperationType } from './types.ts';

export function operationProgress(key: ClusterKey, type: OperationType) {
  const { workflowId, startTime } = workflowInfo();
  const startedAt = startTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let current = 'Starting';
  setHandler(stepQuery, () => current);
  return {
    workflowId,
    async step(name: string): Promise<void> {
      current = name;
      await kube.reportStep(key, { type, workflowId, step: name, startedAt });
    },
  };
}
