// The real Temporal dev server started by the stack: a bundled workflow with two activities
// runs to completion and shows up in `temporal workflow list`.
import { it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { ensureStack, toolDir } from '../support/stack.ts';

before(() => { ensureStack(); });

it('a workflow with two activities completes on the dev server and is listed by the temporal CLI', async () => {
  const address = process.env.TEMPORAL_ADDRESS!;
  const taskQueue = `it-two-activities-${process.pid}`;
  const workflowId = `it-two-activities-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('./fixtures/two-activities.workflow.ts', import.meta.url)),
    activities: {
      greet: async (name: string) => `hello ${name}`,
      shout: async (text: string) => text.toUpperCase(),
    },
  });
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const result = await worker.runUntil(
      client.workflow.execute('twoActivities', { taskQueue, workflowId, args: ['etcd'] }),
    );
    assert.equal(result, 'HELLO ETCD');

    const listed = execFileSync(join(toolDir('temporal'), 'temporal'), [
      'workflow', 'list', '--address', address, '--query', `WorkflowId = '${workflowId}'`, '--output', 'json',
    ], { encoding: 'utf8' });
    const rows = JSON.parse(listed) as Array<{ execution: { workflowId: string }; status: string }>;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.execution.workflowId, workflowId);
    assert.match(String(rows[0]!.status), /COMPLETED/);
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
});
