// Reading what Temporal recorded: completed activities per type, from workflow histories.
import type { Client } from '@temporalio/client';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** Completed activities by type in one history (a completion Temporal never heard of is not one). */
export function completedInHistory(history: History, counts = new Map<string, number>()): Map<string, number> {
  const scheduled = new Map<string, string>();
  for (const e of history.events ?? []) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    const done = e.activityTaskCompletedEventAttributes;
    if (done) { const t = scheduled.get(String(done.scheduledEventId)) ?? '?'; counts.set(t, (counts.get(t) ?? 0) + 1); }
  }
  return counts;
}

/** Completed activities by type, over every operation workflow of a cluster started since `since`. */
export async function completedActivities(client: Client, ns: string, name: string, since: Date): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const query = `EtcdClusterNamespace = '${ns}' AND EtcdClusterName = '${name}' AND StartTime >= '${since.toISOString()}'`;
  for await (const w of client.workflow.list({ query })) {
    if (w.type === 'etcdClusterWorkflow') continue; // the long-lived cluster loop: operations are its children
    completedInHistory(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory(), counts);
  }
  return counts;
}
