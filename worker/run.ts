// `etcdop run`: the operator process, worker + watcher. SIGTERM/SIGINT shut down gracefully;
// anything in flight resumes from Temporal's history on the next start.
import pino from 'pino';
import { Kube } from '../k8s/kube-client.ts';
import { connectClient, temporalAddress, temporalNamespace } from '../client/temporal.ts';
import { Dispatcher } from '../client/dispatcher.ts';
import { ClusterWatcher } from '../client/watcher.ts';
import { BackupWatcher } from '../client/backup-watcher.ts';
import { UserWatcher } from '../client/user-watcher.ts';
import { TASK_QUEUE } from '../domain/ids.ts';
import { createOperatorWorker } from './worker.ts';
import { OPERATOR_VERSION } from './version.ts';

export interface RunOptions { namespace?: string; taskQueue?: string }

/** The EtcdCluster resync period: ETCD_OPERATOR_RESYNC_SECONDS (tests use a short one), else 30s. */
function resyncMs(): number {
  const s = Number(process.env.ETCD_OPERATOR_RESYNC_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

export async function runOperator(opts: RunOptions): Promise<void> {
  const log = pino({ name: 'etcd-operator' });
  const kube = Kube.fromDefault();
  const taskQueue = opts.taskQueue ?? process.env.ETCD_OPERATOR_TASK_QUEUE ?? TASK_QUEUE;
  const defaultRepository = process.env.ETCD_IMAGE_REPOSITORY ?? 'gcr.io/etcd-development/etcd';
  const toolsImage = process.env.ETCD_OPERATOR_TOOLS_IMAGE;
  const { worker, connection } = await createOperatorWorker({ address: temporalAddress(), namespace: temporalNamespace(), taskQueue, kube, defaultRepository, toolsImage });
  const client = await connectClient();
  const watcher = new ClusterWatcher(kube, new Dispatcher(client, kube, taskQueue, log), log, opts.namespace, resyncMs());
  const backups = new BackupWatcher(kube, client, taskQueue, log, opts.namespace);
  const users = new UserWatcher(kube, client, taskQueue, log, opts.namespace);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // The SDK also reacts to SIGTERM/SIGINT by draining the worker; only ask if it has not yet.
    void Promise.all([watcher.stop(), backups.stop(), users.stop()]).finally(() => { if (worker.getState() === 'RUNNING') worker.shutdown(); });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  log.info({ version: OPERATOR_VERSION, temporal: temporalAddress(), taskQueue, defaultRepository }, 'operator starting');
  const running = worker.run();
  await watcher.start();
  await backups.start();
  await users.start();
  await running;
  await client.connection.close();
  await connection.close();
  log.info('operator stopped');
}
