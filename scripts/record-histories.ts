// Records the replay histories of a release from a Temporal server that ran the operator (the
// local stack's, after `npm test`): for each kind of operation, the closed run with the longest
// history since --since (of operators whose task queue starts with --task-queue-prefix, default
// the e2e suites' `e2e-`), written as test/workflows/histories/<release>/<kind>.json. The replay
// test (test/workflows/replay.test.ts) replays them against every later change of the workflow code.
//   node --import tsx scripts/record-histories.ts --release v0.1.0 --since 2026-12-02T09:00:00Z
// TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE pick the server (default: the stack's dev server).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import { connectClient } from '../client/temporal.ts';

const { values } = parseArgs({ options: { release: { type: 'string' }, since: { type: 'string' }, out: { type: 'string', default: 'test/workflows/histories' }, 'task-queue-prefix': { type: 'string', default: 'e2e-' } } });
if (!values.release || !values.since) throw new Error('usage: record-histories.ts --release vX.Y.Z --since <ISO time>');

/** The operation kind a run was, from its type and first input (one file per kind). */
function kindOf(type: string, input: Record<string, unknown> | undefined, status: WorkflowExecutionStatusName, activities: Set<string>): string | undefined {
  const change = input?.change as { type?: string; action?: string; enable?: boolean } | undefined;
  switch (type) {
    case 'etcdClusterWorkflow': return status === 'CONTINUED_AS_NEW' ? 'cluster-loop-continued' : 'cluster-loop';
    case 'createClusterWorkflow': return activities.has('verifySnapshot') ? 'create-from-backup' : 'create';
    case 'deleteClusterWorkflow': return 'delete';
    case 'scaleClusterWorkflow': return change?.action === 'remove' ? 'scale-down' : 'scale-up';
    case 'restartMemberWorkflow': return 'restart-member';
    case 'replaceMemberWorkflow': return 'replace-member';
    case 'recoverClusterWorkflow': return 'recover';
    case 'rollingUpdateWorkflow': return change?.type === 'Upgrade' ? 'upgrade' : 'rolling-update';
    case 'defragClusterWorkflow': return 'defrag';
    case 'configureAuthWorkflow': return change?.enable === false ? 'configure-auth-disable' : 'configure-auth-enable';
    case 'backupWorkflow': return 'backup';
    case 'deleteBackupWorkflow': return 'delete-backup';
    case 'scheduledBackupWorkflow': return 'scheduled-backup';
    case 'etcdUserWorkflow': return 'user';
    default: return undefined;
  }
}

const client = await connectClient();
const best = new Map<string, { workflowId: string; history: History; length: number }>();
const query = `StartTime > "${new Date(values.since).toISOString()}" AND ExecutionStatus IN ("Completed", "ContinuedAsNew")`;
for await (const w of client.workflow.list({ query })) {
  // Real operators only (the e2e suites' task queues), not workflow tests' fake activities.
  if (!w.taskQueue.startsWith(values['task-queue-prefix'])) continue;
  const handle = client.workflow.getHandle(w.workflowId, w.runId);
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = started?.input?.payloads?.[0] ? defaultPayloadConverter.fromPayload<Record<string, unknown>>(started.input.payloads[0]) : undefined;
  const activities = new Set((history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []));
  const kind = kindOf(w.type, input, w.status.name, activities);
  const length = history.events?.length ?? 0;
  if (kind && length > (best.get(kind)?.length ?? 0)) best.set(kind, { workflowId: w.workflowId, history, length });
}

const dir = join(values.out, values.release);
mkdirSync(dir, { recursive: true });
for (const [kind, run] of [...best].sort()) {
  writeFileSync(join(dir, `${kind}.json`), `${historyToJSON(run.history)}\n`);
  console.log(`${kind.padEnd(24)} ${String(run.length).padStart(5)} events  ${run.workflowId}`);
}
await client.connection.close();
