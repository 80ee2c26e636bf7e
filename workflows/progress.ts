// Step reporting shared by operations: the current step is queryable and written to status,
// so `kubectl get etcd`, the CLI and the Temporal UI agree on where an operation is.
import { patched, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { kubeBounded } from './activity-proxies.ts';
import { stepQuery } from './messages.ts';
import type { ClusterKey, OperationType } from '../domain/types.ts';

export type Progress = ReturnType<typeof operationProgress>;

/** Runs started before this patch write a step's status, then its Event; now both at once (neither needs the other). */
export const STEP_EVENT_BESIDE_STATUS_PATCH = 'step-event-beside-status';

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
      const beside = event !== undefined && patched(STEP_EVENT_BESIDE_STATUS_PATCH);
      const reported = kubeBounded.reportStep(key, { type, workflowId, step: name, startedAt, ...(reason && { reason }) });
      if (!beside) await reported;
      if (event) {
        events += 1;
        const recorded = kubeBounded.recordEvent(key, { id: `${workflowId.split('/').pop()}-${events}-${key.uid.slice(0, 8)}`, type: 'Normal', ...event });
        await (beside ? Promise.all([reported, recorded]) : recorded);
      }
    },
  };
}
