// etcdop commands for backups: take one, list them, steer a cluster's backup Schedule, and approve
// a quorum-loss recovery. Each prints text, JSON or YAML (--output). What a command needs is imported
// when it runs (see common.ts).
import type { Command } from 'commander';
import type { EtcdBackupObject } from '../k8s/backup-objects.ts';
import { outputOption, getCluster, kubeClient, print, resolveNamespace, withClusterClient, clusterLoop } from './common.ts';

const stamp = (d: Date) => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');


interface BackupOptions { namespace?: string; output: string; wait?: boolean; watch?: boolean; name?: string; pvc?: string; path?: string; s3Bucket?: string; s3Prefix?: string; credentialsSecret?: string; retainOnDelete?: boolean }

function destinationOf(o: BackupOptions): object | undefined {
  if (o.pvc && o.s3Bucket) throw new Error('give either --pvc or --s3-bucket, not both');
  if (o.pvc) return { pvc: { claimName: o.pvc, ...(o.path && { path: o.path }) } };
  if (o.s3Bucket) {
    if (!o.credentialsSecret) throw new Error('--s3-bucket needs --credentials-secret <Secret with accessKeyId and secretAccessKey>');
    return { s3: { bucket: o.s3Bucket, credentialsSecret: o.credentialsSecret, ...(o.s3Prefix && { prefix: o.s3Prefix }) } };
  }
  return undefined;
}

const row = (b: EtcdBackupObject) => ({
  name: b.metadata.name, cluster: (b.spec as { clusterName?: string })?.clusterName, phase: b.status?.phase ?? 'Pending',
  sizeBytes: b.status?.sizeBytes, revision: b.status?.revision, location: b.status?.location, sha256: b.status?.sha256,
  scheduled: b.metadata.labels?.['etcd.operator.dev/scheduled'] === 'true', created: b.metadata.creationTimestamp, message: b.status?.conditions?.[0]?.message,
});

export function registerBackupCommands(program: Command, nsHelp: string): void {
  program.command('backup <cluster>')
    .description('take a backup now: creates an EtcdBackup (destination: the cluster\'s spec.backup unless given)')
    .option('-n, --namespace <ns>', nsHelp)
    .option('--name <name>', 'EtcdBackup name (default <cluster>-manual-<time>)')
    .option('--pvc <claim>', 'store on this PersistentVolumeClaim')
    .option('--path <dir>', 'directory on the claim')
    .option('--s3-bucket <bucket>', 'store in this S3 bucket')
    .option('--s3-prefix <prefix>', 'key prefix in the bucket')
    .option('--credentials-secret <name>', 'Secret with accessKeyId and secretAccessKey for --s3-bucket')
    .option('--retain-on-delete', 'keep the stored snapshot when the EtcdBackup is deleted')
    .option('--wait', 'wait until the backup Succeeded or Failed (exit 1 on Failed)')
    .option('-w, --watch', 'like --wait, printing each change of phase with the time taken so far')
    .addOption(outputOption())
    .action(async (name: string, o: BackupOptions) => {
      const [{ API_VERSION, ETCD_BACKUP, GROUP, VERSION }, { validateClusterSpec }] = await Promise.all([import('../k8s/api.ts'), import('../k8s/cluster-spec.ts')]);
      const kube = await kubeClient();
      const ns = await resolveNamespace(o, kube);
      const c = await getCluster(name, ns, kube);
      const destination = destinationOf(o);
      const v = validateClusterSpec(c.spec);
      if (!destination && !(v.ok && v.spec.backup)) throw new Error(`EtcdCluster ${ns}/${name} has no spec.backup.destination: give --pvc or --s3-bucket`);
      const body = {
        apiVersion: API_VERSION, kind: ETCD_BACKUP.kind,
        metadata: { name: o.name ?? `${name}-manual-${stamp(new Date())}`, namespace: ns },
        spec: { clusterName: name, ...(destination && { destination }), ...(o.retainOnDelete && { retainOnDelete: true }) },
      };
      const made = await kube.custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: ETCD_BACKUP.plural, body }) as EtcdBackupObject;
      let obj = made;
      const t0 = Date.now();
      let shown = '';
      while ((o.wait || o.watch) && obj.status?.phase !== 'Succeeded' && obj.status?.phase !== 'Failed') {
        if (o.watch) {
          const r = row(obj);
          const line = `${r.phase}${r.message ? `: ${r.message}` : ''}`;
          if (line !== shown) { shown = line; console.log(o.output === 'text' ? `[${Math.round((Date.now() - t0) / 1000)}s] etcdbackup ${ns}/${r.name} ${line}` : JSON.stringify({ elapsedSeconds: Math.round((Date.now() - t0) / 1000), ...r })); }
        }
        await new Promise((r) => setTimeout(r, 1000));
        obj = await kube.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: ETCD_BACKUP.plural, name: made.metadata.name! }) as EtcdBackupObject;
      }
      const r = row(obj);
      await print(o.output, r, () => `etcdbackup ${ns}/${r.name} ${r.phase}${r.location ? ` ${r.location} (${r.sizeBytes} bytes, revision ${r.revision})` : ''}${r.message && r.phase === 'Failed' ? `: ${r.message}` : ''}`);
      if (obj.status?.phase === 'Failed') process.exitCode = 1;
    });

  program.command('backups')
    .description('backups (EtcdBackup objects)')
    .command('list')
    .option('-n, --namespace <ns>', nsHelp)
    .option('-c, --cluster <name>', 'only this cluster')
    .addOption(outputOption())
    .action(async (o: { namespace?: string; cluster?: string; output: string }) => {
      const { listBackups } = await import('../k8s/backup-objects.ts');
      const kube = await kubeClient();
      const rows = (await listBackups(kube, await resolveNamespace(o, kube)))
        .filter((b) => !o.cluster || (b.spec as { clusterName?: string })?.clusterName === o.cluster)
        .map(row).sort((a, b) => String(a.created).localeCompare(String(b.created)));
      await print(o.output, rows, () => rows.map((r) => `${String(r.name).padEnd(40)} ${String(r.cluster).padEnd(20)} ${r.phase.padEnd(10)} ${String(r.sizeBytes ?? '-').padStart(12)} rev ${String(r.revision ?? '-').padEnd(8)} ${r.scheduled ? 'scheduled' : 'manual   '} ${r.location ?? ''}`).join('\n') || 'no backups');
    });

  const schedule = program.command('schedule').description('the backup Schedule of a cluster (spec.backup)');
  for (const action of ['pause', 'resume', 'trigger', 'show'] as const) {
    schedule.command(`${action} <cluster>`)
      .option('-n, --namespace <ns>', nsHelp)
      .addOption(outputOption())
      .action((name: string, o: { namespace?: string; output: string }) => withClusterClient(name, o, async (key, client) => {
        const { backupScheduleId } = await import('../domain/ids.ts');
        const handle = client.schedule.getHandle(backupScheduleId(key));
        if (action === 'pause') await handle.pause(`paused with etcdop by ${process.env.USER ?? 'someone'}`);
        if (action === 'resume') await handle.unpause('resumed with etcdop');
        if (action === 'trigger') await handle.trigger();
        const d = await handle.describe();
        const out = { schedule: d.scheduleId, paused: d.state.paused, note: d.state.note, next: d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString()), recent: d.info.recentActions.slice(-5).map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })), action };
        await print(o.output, out, () => [`schedule ${out.schedule} ${out.paused ? 'PAUSED' : 'active'} (${action === 'show' ? 'shown' : `${action}d`})`, `  next: ${out.next.join(', ') || '-'}`, ...out.recent.map((r) => `  ran ${r.scheduledAt} ${r.workflowId}`)].join('\n'));
      }));
  }

  program.command('approve <cluster>')
    .description('approve the recovery of a cluster whose status says QuorumLost: restore every member from its latest usable backup (used once)')
    .option('-n, --namespace <ns>', nsHelp)
    .addOption(outputOption())
    .action((name: string, o: { namespace?: string; output: string }) => withClusterClient(name, o, async (key, client, ns) => {
      const { approveRecoveryUpdate } = await import('../workflows/messages.ts');
      const { approved } = await (await clusterLoop(client, key)).executeUpdate(approveRecoveryUpdate);
      await print(o.output, { cluster: `${ns}/${name}`, approved }, () => `approved the recovery of ${ns}/${name}: ${approved}`);
    }));
}
