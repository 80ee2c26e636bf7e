// One worker per test file against the stack's Temporal dev server: the workflows bundled once,
// the fake activities behind them, a client, and teardown that leaves nothing running.
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { Client, Connection, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { ensureStack } from '../support/stack.ts';
import { FakeWorld, createFakeActivities } from './fake-activities.ts';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface Harness {
  world: FakeWorld;
  client: Client;
  taskQueue: string;
  /** Handles to terminate at teardown if still running. */
  track<H extends WorkflowHandle>(handle: H): H;
  close(): Promise<void>;
}

/**
 * Warnings and errors on stderr, except activity and workflow failures: the tests cause those on
 * purpose and assert them through the fake's calls and the workflows' results. Workflow task
 * failures (nondeterminism, bugs in workflow code) still show.
 */
function logQuietly({ level, message, meta }: LogEntry): void {
  if (message === 'Activity failed' || message === 'Workflow failed') return;
  process.stderr.write(`[${level}] ${message}${meta ? ` ${inspect(meta, { depth: 4 })}` : ''}\n`);
}

export async function startHarness(name: string): Promise<Harness> {
  ensureStack();
  Runtime.install({ logger: new DefaultLogger('WARN', logQuietly) });
  const address = process.env.TEMPORAL_ADDRESS!;
  const taskQueue = `wf-${name}-${process.pid}`;
  const world = new FakeWorld();
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath, activities: createFakeActivities(world) });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const handles: WorkflowHandle[] = [];
  return {
    world, client, taskQueue,
    track(handle) { handles.push(handle); return handle; },
    async close() {
      for (const h of handles) {
        try {
          const { status } = await h.describe();
          if (status.name === 'RUNNING') await h.terminate('test teardown');
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}
