// Reading operations back from Temporal: list by search attributes, describe with per-step history.
import type { Client } from '@temporalio/client';
import { stepQuery } from '../workflows/messages.ts';

export interface OperationRow { workflowId: string; operation: string; cluster: string; status: string; startTime: string }

const q = (s: string) => `'${s.replace(/'/g, '')}'`;

export async function listOperations(client: Client, o: { cluster?: string; namespace?: string }): Promise<OperationRow[]> {
  const clauses = ['EtcdOperation IS NOT NULL'];
  if (o.cluster) clauses.push(`EtcdClusterName = ${q(o.cluster)}`);
  if (o.namespace) clauses.push(`EtcdClusterNamespace = ${q(o.namespace)}`);
  const rows: OperationRow[] = [];
  for await (const w of client.workflow.list({ query: clauses.join(' AND ') })) {
    const sa = w.searchAttributes as Record<string, unknown[] | undefined>;
    rows.push({
      workflowId: w.workflowId,
      operation: String(sa.EtcdOperation?.[0] ?? w.type),
      cluster: `${sa.EtcdClusterNamespace?.[0] ?? '?'}/${sa.EtcdClusterName?.[0] ?? '?'}`,
      status: w.status.name,
      startTime: w.startTime.toISOString(),
    });
    if (rows.length >= 200) break;
  }
  return rows;
}

export interface OperationDetail {
  workflowId: string; type: string; status: string; step?: string;
  activities: { name: string; status: string; attempts: number }[];
}

export async function describeOperation(client: Client, workflowId: string): Promise<OperationDetail> {
  const handle = client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  const step = d.status.name === 'RUNNING' ? await handle.query(stepQuery).catch(() => undefined) : undefined;
  const history = await handle.fetchHistory();
  const scheduled = new Map<string, { name: string; status: string; attempts: number }>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(id, { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', status: 'SCHEDULED', attempts: 0 });
    }
    const ref = (a?: { scheduledEventId?: unknown } | null) => (a?.scheduledEventId != null ? scheduled.get(String(a.scheduledEventId)) : undefined);
    const started = ref(e.activityTaskStartedEventAttributes);
    if (started) { started.status = 'RUNNING'; started.attempts = e.activityTaskStartedEventAttributes?.attempt ?? 1; }
    const done = ref(e.activityTaskCompletedEventAttributes); if (done) done.status = 'COMPLETED';
    const failed = ref(e.activityTaskFailedEventAttributes); if (failed) failed.status = 'FAILED';
    const timedOut = ref(e.activityTaskTimedOutEventAttributes); if (timedOut) timedOut.status = 'TIMED_OUT';
  }
  return { workflowId, type: d.type, status: d.status.name, step, activities: [...scheduled.values()] };
}
