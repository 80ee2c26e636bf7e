// Step reporting shared by operations: the current step is queryable and written to status,
// so `kubectl get etcd`, the CLI and the Temporal UI agree on where an operation is.
import { setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { kubeBounded } from './activity-proxies.ts';
import { stepQuery } from './messages.ts';
import type { ClusterKey, OperationType } from '../domain/types.ts';

export type Progress = ReturnType<typeof operationProgress>;

export function operationProgress(key: ClusterKey, type: OperationType, reason?: string) {
  const { workflowId, startTime } = workflowInfo();
  const startedAt = startTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  let current = 'Starting';
  let events = 0;
  setHandler(stepQuery, () => current);
  return {
    workflowId,
    /** `event`: also record a Normal Event for this step (member repairs report every step). */
    async step(name: string, event?: { reason: string; message: string }): Promise<void> {
      current = name;
      // The Temporal UI shows it as the workflow's current details.
      setCurrentDetails(`**${type}** ${key.namespace}/${key.name}: ${name}`);
      await kubeBounded.reportStep(key, { type, workflowId, step: name, startedAt, ...(reason && { reason }) });
      if (event) {
        events += 1;
        await kubeBounded.recordEvent(key, { id: `${workflowId.split('/').pop()}-${events}-${key.uid.slice(0, 8)}`, type: 'Normal', ...event });
      }
    },
  };
}
