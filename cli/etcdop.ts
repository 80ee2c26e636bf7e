// etcdop: the operator's CLI (also `kubectl etcd`, bin/kubectl-etcd). `run` is the operator itself;
// the rest inspect and steer the same workflows the Temporal UI shows. Only commander and the command
// definitions load up front: each command imports what it needs when it runs.
import { Command } from 'commander';
import { outputOption, getCluster, kubeClient, print, resolveNamespace, withClient, withClusterClient, clusterLoop } from './common.ts';
import { registerBackupCommands } from './backup.ts';
import { registerMaintenanceCommands } from './maintenance.ts';
import { registerDoctorCommand } from './doctor-command.ts';
import { clusterSummary, statusLines, watchCluster } from './status.ts';
import { OPERATOR_VERSION } from '../worker/version.ts';

const name = process.env.ETCDOP_PROGRAM_NAME ?? 'etcdop';
const program = new Command(name).description('etcd operator whose operations are durable Temporal workflows').version(OPERATOR_VERSION);
const NS_HELP = 'namespace (default: the kubeconfig context\'s, else default)';

program.command('run')
  .description('run the operator: Temporal worker + EtcdCluster watcher')
  .option('-n, --namespace <ns,...>', 'watch only these namespaces, comma-separated (default: ETCD_OPERATOR_WATCH_NAMESPACES, else all)')
  .option('--task-queue <q>', 'Temporal task queue')
  .option('--http-address <host:port>', 'where /healthz and /readyz listen', ':8080')
  .option('--max-cached-workflows <n>', 'workflow runs kept in memory between their tasks; fewer: less memory, more replays (default: ETCD_OPERATOR_MAX_CACHED_WORKFLOWS, else the SDK\'s)')
  .action(async (o: { namespace?: string; taskQueue?: string; httpAddress: string; maxCachedWorkflows?: string }) => {
    const { runOperator } = await import('../worker/run.ts');
    await runOperator(o);
    process.exit(0); // stopped cleanly; calls still retrying must not hold the process (see runOperator)
  });

program.command('status <cluster>')
  .description('members, conditions and the running operation of a cluster')
  .option('-n, --namespace <ns>', NS_HELP)
  .addOption(outputOption())
  .option('-w, --watch', 'follow the running operation (step, ready members, elapsed) until it ends; exit 1 unless it succeeded')
  .action(async (cluster: string, o: { namespace?: string; output: string; watch?: boolean }) => {
    const kube = await kubeClient();
    const ns = await resolveNamespace(o, kube);
    if (o.watch) {
      process.exitCode = (await watchCluster(kube, cluster, ns, o.output)) ? 0 : 1;
      return;
    }
    const obj = await getCluster(cluster, ns, kube);
    await print(o.output, clusterSummary(obj, ns), () => statusLines(obj, ns).join('\n'));
  });

const ops = program.command('ops').description('operations (Temporal workflows) of clusters');

ops.command('list')
  .description('operations of a namespace\'s clusters, newest first (at most 200)')
  .option('-c, --cluster <name>', 'only this cluster')
  .option('-n, --namespace <ns>', NS_HELP)
  .option('-A, --all-namespaces', 'of every namespace')
  .addOption(outputOption())
  .action(async (o: { cluster?: string; namespace?: string; allNamespaces?: boolean; output: string }) => {
    if (o.allNamespaces && o.namespace) throw new Error('-n and -A cannot be used together');
    const namespace = o.allNamespaces ? undefined : await resolveNamespace(o);
    await withClient(async (client) => {
      const { listOperations } = await import('./operations.ts');
      const rows = await listOperations(client, { cluster: o.cluster, namespace });
      await print(o.output, rows, () => rows.map((r) => `${r.status.padEnd(11)} ${r.operation.padEnd(8)} ${r.cluster.padEnd(30)} ${r.startTime}  ${r.workflowId}`).join('\n') || `no operations${namespace ? ` in namespace ${namespace}` : ''}`);
    });
  });

ops.command('show <workflowId>')
  .description('an operation and each of its steps')
  .addOption(outputOption())
  .option('-w, --watch', 'follow a running operation until it ends; exit 1 unless it completed')
  .action((id: string, o: { output: string; watch?: boolean }) => withClient(async (client) => {
    const { describeOperation } = await import('./operations.ts');
    const t0 = Date.now();
    for (;;) {
      const d = await describeOperation(client, id);
      const elapsed = o.watch ? `  (${Math.round((Date.now() - t0) / 1000)} s)` : '';
      await print(o.output, d, () => [`${d.workflowId}  ${d.type}  ${d.status}${elapsed}`, `  step: ${d.step ?? '-'}`, ...d.activities.map((a) => `  ${a.status.padEnd(9)} ${a.name}${a.attempts > 1 ? ` (attempts: ${a.attempts})` : ''}`)].join('\n'));
      if (!o.watch) break;
      if (d.status !== 'RUNNING') {
        if (d.status !== 'COMPLETED') process.exitCode = 1;
        break;
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }));

ops.command('cancel <workflowId>')
  .description('request cancellation of an operation (its workflow cleans up and reports Cancelled)')
  .action((id: string) => withClient(async (client) => {
    await client.workflow.getHandle(id).cancel();
    console.log(`cancellation requested for ${id}`);
  }));

ops.command('retry <cluster>')
  .description('run the last failed operation of a cluster again')
  .option('-n, --namespace <ns>', NS_HELP)
  .addOption(outputOption())
  .action((cluster: string, o: { namespace?: string; output: string }) => withClusterClient(cluster, o, async (key, client, ns) => {
    const { retryUpdate } = await import('../workflows/messages.ts');
    const { retrying } = await (await clusterLoop(client, key)).executeUpdate(retryUpdate);
    await print(o.output, { cluster: `${ns}/${cluster}`, retrying }, () => `retrying the failed operation of ${ns}/${cluster}: ${retrying}`);
  }));

registerBackupCommands(program, NS_HELP);
registerMaintenanceCommands(program, NS_HELP);
registerDoctorCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // A rejected update carries the workflow's own reason as its cause.
  const reason = err instanceof Error && err.name === 'WorkflowUpdateFailedError' && err.cause instanceof Error ? err.cause : err;
  console.error(`${name}: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.exit(1);
});
