// A Temporal worker with a test's own activities on its own task queue, and a client to start
// workflows on it: for tests that fake (or run for real) only the activities they reach.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';

export interface OwnWorker {
  client: Client;
  /** Stops the worker and closes both connections. */
  close(): Promise<void>;
}

export async function startOwnWorker(o: { taskQueue: string; workflowsPath: string; activities: object }): Promise<OwnWorker> {
  const address = process.env.TEMPORAL_ADDRESS!;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection: nativeConnection, taskQueue: o.taskQueue, workflowsPath: o.workflowsPath, activities: o.activities });
  const running = worker.run();
  const connection = await Connection.connect({ address });
  return {
    client: new Client({ connection }),
    async close() {
      worker.shutdown();
      await running;
      await connection.close();
      await nativeConnection.close();
    },
  };
}
