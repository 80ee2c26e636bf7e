// The Temporal worker: operator workflows (bundled from workflows/, or a prebuilt bundle) and
// activities wired to the Kubernetes client.
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Kube } from '../k8s/kube-client.ts';
import { createActivities } from '../activities/index.ts';
import type { Client } from '@temporalio/client';
import { connectClient, type TemporalTarget } from '../client/temporal.ts';
import { failpointInterceptors, parseFailpoints } from './failpoints.ts';
import { memorySaverSwitch, transferGcInterceptors } from './transfer-gc.ts';
import { operatorV8FlagsApplied } from './runtime-env.ts';

/** One lazily made client for the activities that manage Schedules. */
function temporalClient(target: TemporalTarget): () => Promise<Client> {
  let client: Promise<Client> | undefined;
  return () => (client ??= connectClient(target));
}

// Compiled (dist/worker/, or bundled into dist/operator-bundle/: `npm run build`) the workflows are
// JavaScript in dist/workflows/, beside this file's directory.
const compiled = /\/dist\/(worker|operator-bundle)\/[^/]+\.js$/.test(import.meta.url);
export const workflowsPath = fileURLToPath(new URL(compiled ? '../workflows/index.js' : '../workflows/index.ts', import.meta.url));
/** Built by `npm run build:workflows`. A worker uses a prebuilt bundle only when
 * ETCD_OPERATOR_WORKFLOW_BUNDLE names it (production), so a stale bundle never runs in development. */
export const prebuiltBundlePath = fileURLToPath(new URL(compiled ? '../workflow-bundle.js' : '../dist/workflow-bundle.js', import.meta.url));

export interface OperatorWorkerOptions {
  temporal: TemporalTarget;
  taskQueue: string;
  kube: Kube;
  defaultRepository: string;
  /** Image of the backup/restore helper pods (a shell and busybox tools). */
  toolsImage?: string;
  /**
   * How many workflow runs stay in memory between their tasks (the SDK's sticky cache). A run that
   * is not cached is replayed from its history at its next task: less memory, more CPU.
   * Undefined: the SDK's default (sized from the heap limit, so in practice every cluster's loop).
   */
  maxCachedWorkflows?: number;
}

export async function createOperatorWorker(o: OperatorWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect(o.temporal.connectionOptions);
  const bundle = process.env.ETCD_OPERATOR_WORKFLOW_BUNDLE;
  if (bundle && !existsSync(bundle)) throw new Error(`ETCD_OPERATOR_WORKFLOW_BUNDLE=${bundle} does not exist: run npm run build:workflows`);
  const code: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> = bundle
    ? { workflowBundle: { code: readFileSync(bundle, 'utf8') } }
    : { workflowsPath };
  const failpoints = parseFailpoints(process.env.ETCD_OPERATOR_FAILPOINTS);
  if (failpoints.length) process.stderr.write(`WARNING: failpoints armed (test only): ${process.env.ETCD_OPERATOR_FAILPOINTS}\n`);
  const worker = await Worker.create({
    connection,
    namespace: o.temporal.namespace,
    taskQueue: o.taskQueue,
    ...code,
    activities: createActivities({ kube: o.kube, defaultRepository: o.defaultRepository, toolsImage: o.toolsImage, taskQueue: o.taskQueue, temporal: temporalClient(o.temporal) }),
    interceptors: { activity: [...failpointInterceptors(failpoints), ...transferGcInterceptors(memorySaverSwitch(operatorV8FlagsApplied))] },
    ...(o.maxCachedWorkflows !== undefined && { maxCachedWorkflows: o.maxCachedWorkflows }),
    // Graceful shutdown: running activities get this long to finish before they are cancelled.
    shutdownGraceTime: '10s',
    // A worker that died leaves its workflows' next tasks on its sticky queue: after 3s (not 10s)
    // they move to the shared queue, so a restarted operator resumes them sooner.
    stickyQueueScheduleToStartTimeout: '3s',
  });
  return { worker, connection };
}
