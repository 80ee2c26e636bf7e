// etcdop: the operator's CLI. `run` is the operator itself; the rest inspect and steer the same
// workflows the Temporal UI shows.
import { Command } from 'commander';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { clusterWorkflowId } from '../domain/ids.ts';
import { retryUpdate } from '../workflows/messages.ts';
import { connectClient } from '../client/temporal.ts';
import { describeOperation, listOperations } from './operations.ts';
import { registerBackupCommands } from './backup.ts';
import { registerMaintenanceCommands } from './maintenance.ts';
import { registerDoctorCommand } from './doctor.ts';
import { getCluster, print } from './common.ts';
import { OPERATOR_VERSION } from '../worker/version.ts';

const program = new Command('etcdop').description('etcd operator whose operations are durable Temporal workflows').version(OPERATOR_VERSION);

program.command('run')
  .description('run the operator: Temporal worker + EtcdCluster watcher')
  .option('-n, --namespace <ns,...>', 'watch only these namespaces, comma-separated (default: ETCD_OPERATOR_WATCH_NAMESPACES, else all)')
  .option('--task-queue <q>', 'Temporal task queue')
  .option('--http-address <host:port>', 'where /healthz and /readyz listen', ':8080')
  .action(async (o: { namespace?: string; taskQueue?: string; httpAddress: string }) => {
    const { runOperator } = await import('../worker/run.ts');
    await runOperator(o);
    process.exit(0); // stopped cleanly; calls still retrying must not hold the process (see runOperator)
  });

program.command('status <cluster>')
  .description('members, conditions and the running operation of a cluster')
  .option('-n, --namespace <ns>', 'namespace', 'default')
  .option('-o, --output <fmt>', 'text or json', 'text')
  .action(async (name: string, o: { namespace: string; output: string }) => {
    const obj = await getCluster(name, o.namespace);
    const s = obj.status ?? {};
    print(o.output === 'json', { name, namespace: o.namespace, spec: obj.spec, status: s }, () => [
      `EtcdCluster ${o.namespace}/${name}  generation ${obj.metadata.generation} (observed ${s.observedGeneration ?? '-'})`,
      `  version ${s.currentVersion ?? '-'}, ready ${s.readyMembers ?? 0}/${(obj.spec as { size?: number })?.size ?? '?'}`,
      '  conditions:',
      ...(s.conditions ?? []).map((c) => `    ${c.type.padEnd(12)} ${c.status.padEnd(7)} ${c.reason}${c.message ? `: ${c.message}` : ''}`),
      '  members:',
      ...(s.members ?? []).map((m) => `    ${m.name.padEnd(24)} id=${m.id ?? '-'} ${m.leader ? 'leader' : m.learner ? 'learner' : 'follower'} ${m.healthy ? 'healthy' : 'UNHEALTHY'} ${m.version ?? ''}`),
      `  operation: ${s.operation ? `${s.operation.type} step=${s.operation.step ?? '-'} workflow=${s.operation.workflowId}${s.operation.reason ? `\n    why: ${s.operation.reason}` : ''}` : 'none'}`,
      `  last: ${s.lastOperation ? `${s.lastOperation.type} ${s.lastOperation.result} ${s.lastOperation.finishedAt} ${s.lastOperation.message ?? ''}` : 'none'}`,
      ...(s.restoredFrom ? [`  restored from: ${s.restoredFrom.backup ?? s.restoredFrom.location} at revision ${s.restoredFrom.revision ?? '?'} (${s.restoredFrom.reason}, ${s.restoredFrom.completedAt})`] : []),
    ].join('\n'));
  });

const ops = program.command('ops').description('operations (Temporal workflows) of clusters');

ops.command('list')
  .option('-c, --cluster <name>', 'only this cluster')
  .option('-n, --namespace <ns>', 'only this namespace')
  .option('-o, --output <fmt>', 'text or json', 'text')
  .action(async (o: { cluster?: string; namespace?: string; output: string }) => {
    const client = await connectClient();
    const rows = await listOperations(client, o);
    print(o.output === 'json', rows, () => rows.map((r) => `${r.status.padEnd(11)} ${r.operation.padEnd(8)} ${r.cluster.padEnd(30)} ${r.startTime}  ${r.workflowId}`).join('\n') || 'no operations');
    await client.connection.close();
  });

ops.command('show <workflowId>')
  .option('-o, --output <fmt>', 'text or json', 'text')
  .option('-w, --watch', 'follow a running operation until it ends')
  .action(async (id: string, o: { output: string; watch?: boolean }) => {
    const client = await connectClient();
    for (;;) {
      const d = await describeOperation(client, id);
      print(o.output === 'json', d, () => [`${d.workflowId}  ${d.type}  ${d.status}`, `  step: ${d.step ?? '-'}`, ...d.activities.map((a) => `  ${a.status.padEnd(9)} ${a.name}${a.attempts > 1 ? ` (attempts: ${a.attempts})` : ''}`)].join('\n'));
      if (!o.watch || d.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    await client.connection.close();
  });

ops.command('cancel <workflowId>')
  .description('request cancellation of an operation (its workflow cleans up and reports Cancelled)')
  .action(async (id: string) => {
    const client = await connectClient();
    await client.workflow.getHandle(id).cancel();
    console.log(`cancellation requested for ${id}`);
    await client.connection.close();
  });

ops.command('retry <cluster>')
  .description('run the last failed operation of a cluster again')
  .option('-n, --namespace <ns>', 'namespace', 'default')
  .action(async (name: string, o: { namespace: string }) => {
    const obj = await getCluster(name, o.namespace);
    const client = await connectClient();
    const { retrying } = await client.workflow.getHandle(clusterWorkflowId({ uid: obj.metadata.uid! })).executeUpdate(retryUpdate);
    console.log(`retrying the failed operation of ${o.namespace}/${name}: ${retrying}`);
    await client.connection.close();
  });

registerBackupCommands(program);
registerMaintenanceCommands(program);
registerDoctorCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  // A rejected update carries the workflow's own reason as its cause.
  const reason = err instanceof WorkflowUpdateFailedError && err.cause instanceof Error ? err.cause : err;
  console.error(`etcdop: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.exit(1);
});
