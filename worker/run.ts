// `etcdop run`: the operator process, worker + watchers + health server. SIGTERM/SIGINT shut down
// gracefully; anything in flight resumes from Temporal's history on the next start (or on the
// other replica: both run everything, Temporal gives each task to one of them).
import { VersionApi } from '@kubernetes/client-node';
import { Kube } from '../k8s/kube-client.ts';
import { deniedPermissions, describeDenied } from '../k8s/access-review.ts';
import { connectClient, temporalTarget } from '../client/temporal.ts';
import { explainConnectError } from '../client/temporal-diagnose.ts';
import { ensureSearchAttributes } from '../client/search-attributes.ts';
import { Dispatcher } from '../client/dispatcher.ts';
import { ClusterWatcher } from '../client/watcher.ts';
import { BackupWatcher } from '../client/backup-watcher.ts';
import { UserWatcher } from '../client/user-watcher.ts';
import { TASK_QUEUE } from '../domain/ids.ts';
import { watchedNamespaces } from '../domain/watched-namespaces.ts';
import { createOperatorWorker } from './worker.ts';
import { maxCachedWorkflows } from './cache-size.ts';
import { startHealthServer } from './health.ts';
import { OPERATOR_VERSION } from './version.ts';
import { createLogger, installTemporalRuntime } from './logger.ts';
import { freeLoopbackPort, operatorMetrics } from './metrics-endpoint.ts';
import { kubeRequestMade, registry } from '../activities/metrics.ts';
import { ClusterMetrics } from '../client/cluster-metrics.ts';
import { applyOperatorV8Flags } from './runtime-env.ts';

export interface RunOptions {
  /** Namespaces to watch, comma-separated; empty or absent: all (ETCD_OPERATOR_WATCH_NAMESPACES). */
  namespace?: string;
  taskQueue?: string;
  /** Where /healthz and /readyz listen: ":8080" by default. */
  httpAddress?: string;
  /** Workflow runs kept in memory between tasks (ETCD_OPERATOR_MAX_CACHED_WORKFLOWS); see maxCachedWorkflows(). */
  maxCachedWorkflows?: string;
}

/** The EtcdCluster resync period: ETCD_OPERATOR_RESYNC_SECONDS (tests use a short one), else 30s. */
function resyncMs(): number {
  const s = Number(process.env.ETCD_OPERATOR_RESYNC_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 30_000;
}

export async function runOperator(opts: RunOptions): Promise<void> {
  applyOperatorV8Flags();
  const log = createLogger();
  // The SDK's own metrics on a loopback port of their own, passed on by /metrics.
  const sdkMetricsPort = await freeLoopbackPort();
  installTemporalRuntime(log, sdkMetricsPort);
  const kube = Kube.fromDefault(kubeRequestMade);
  const namespaces = watchedNamespaces(opts.namespace ?? process.env.ETCD_OPERATOR_WATCH_NAMESPACES);
  const taskQueue = opts.taskQueue ?? process.env.ETCD_OPERATOR_TASK_QUEUE ?? TASK_QUEUE;
  const defaultRepository = process.env.ETCD_IMAGE_REPOSITORY ?? 'gcr.io/etcd-development/etcd';
  const toolsImage = process.env.ETCD_OPERATOR_TOOLS_IMAGE;
  const cacheSize = maxCachedWorkflows(opts.maxCachedWorkflows ?? process.env.ETCD_OPERATOR_MAX_CACHED_WORKFLOWS);
  const where = namespaces.length ? namespaces.join(', ') : 'all namespaces';

  // Refuse to start half-able: a missing rule would otherwise surface as a 403 mid-operation.
  const denied = await deniedPermissions(kube.config, namespaces);
  if (denied.length) {
    throw new Error(`RBAC does not let this operator manage etcd clusters in ${where}: ${describeDenied(denied).join('; ')}. `
      + 'Bind the ClusterRole etcd-operator to its ServiceAccount there (deploy/ cluster-wide, or one RoleBinding per namespace as deploy/overlays/namespaced does).');
  }

  const temporal = temporalTarget();
  // The SDKs say "transport error" when Temporal turns us away: stop with one line saying why.
  const explain = explainConnectError(temporal);
  const { worker, connection } = await createOperatorWorker({ temporal, taskQueue, kube, defaultRepository, toolsImage, maxCachedWorkflows: cacheSize }).catch(explain);
  const client = await connectClient(temporal).catch(explain);
  const registered = await ensureSearchAttributes(client, temporal.namespace);
  if (registered.length) log.info({ namespace: temporal.namespace, registered }, 'registered the search attributes the operator needs');
  const dispatcher = new Dispatcher(client, kube, taskQueue, log);
  const scopes = namespaces.length ? namespaces : [undefined];
  const clusterWatchers = scopes.map((ns) => new ClusterWatcher(kube, dispatcher, log, ns, resyncMs()));
  const backupWatchers = scopes.map((ns) => new BackupWatcher(kube, client, taskQueue, log, ns));
  const watchers = [...clusterWatchers, ...backupWatchers, ...scopes.map((ns) => new UserWatcher(kube, client, taskQueue, log, ns))];
  const clusterMetrics = new ClusterMetrics(registry, { clusters: () => clusterWatchers.flatMap((w) => w.clusters()), backups: () => backupWatchers.flatMap((w) => w.backups()) });
  for (const w of clusterWatchers) w.onCluster = (c) => clusterMetrics.observe(c);

  const version = kube.config.makeApiClient(VersionApi);
  const health = await startHealthServer(opts.httpAddress ?? ':8080', {
    live: () => !['FAILED', 'STOPPED'].includes(worker.getState()),
    ready: [
      { name: 'temporal', check: async () => { await client.workflowService.getSystemInfo({}); } },
      { name: 'kubernetes', check: async () => { await version.getCode(); } },
      { name: 'worker', check: async () => { if (worker.getState() !== 'RUNNING') throw new Error(worker.getState()); } },
      { name: 'informers', check: async () => { const u = watchers.flatMap((w) => w.health.unsynced()); if (u.length) throw new Error(`not synced: ${u.join(', ')}`); } },
    ],
    metrics: () => operatorMetrics(registry, sdkMetricsPort),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // The SDK also reacts to SIGTERM/SIGINT by draining the worker; only ask if it has not yet.
    void Promise.all(watchers.map((w) => w.stop())).finally(() => { if (worker.getState() === 'RUNNING') worker.shutdown(); });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  log.info({ version: OPERATOR_VERSION, temporal: temporal.describe, taskQueue, namespaces: where, defaultRepository, health: health.url }, 'operator starting');
  const running = worker.run();
  for (const w of watchers) await w.start();
  try {
    await running;
  } catch (err) {
    // Asked to stop while Temporal is away, the worker's last polls fail: that is the stop, not a fault.
    if (!stopping) throw err;
    log.warn({ err: firstLine(err) }, 'the worker ended with an error while stopping');
  }
  health.server.close();
  await connection.close().catch((err: unknown) => log.warn({ err: firstLine(err) }, 'closing the worker\'s Temporal connection failed'));
  // The client's connection stays open: a call still retrying (a readiness probe, a signal while
  // Temporal is away) would throw from its retry timer on a closed channel and crash the exit.
  // The caller ends the process.
  log.info('operator stopped');
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];
