// Backup, restore and recovery benchmark on the local stack, against baselines measured in the
// same run: backup throughput (EtcdBackup to S3, created -> Succeeded, through the API client) as a ratio to
// `etcdctl snapshot save` of the same member; restore (EtcdCluster with spec.bootstrap.backup,
// applied -> Available) against database size; quorum-loss recovery from approval to Available.
// Usage: node --import tsx bench/backup.ts [--sizes 64,256] [--runs N]
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { Upload } from '@aws-sdk/lib-storage';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ensureStack, repoRoot } from '../test/support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { clusterYaml, getCluster, readCluster, waitAvailable } from '../test/support/clusters.ts';
import { LOOK_MS } from './support/look.ts';
import { waitFor } from '../test/support/wait.ts';
import { backupYaml, bucket, createS3Secret, s3, type Backup } from '../test/support/backups.ts';
import { Kube } from '../k8s/kube-client.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchArgs } from './support/args.ts';
import { median, seconds } from './support/stats.ts';
import { emitRows, rowsOf, targetsMet } from './support/rows.ts';
import { restoreBaseline, waitVolumesGone } from './support/restore-baseline.ts';

const kube = Kube.fromDefault();
const args = benchArgs({ sizes: '64,256', runs: 3 });
const sizesMiB = args.sizes.split(',').map(Number);
const runs = args.runs;
const MiB = 1024 * 1024;

/** Fills the cluster with ~`mib` MiB of values (512 KiB each, random so they do not compress). */
async function fill(endpoint: string, mib: number): Promise<void> {
  const c = new Etcd3({ hosts: endpoint, defaultCallOptions: () => ({ deadline: new Date(Date.now() + 30_000) }) });
  try {
    const value = Buffer.alloc(512 * 1024);
    for (let i = 0; i < mib * 2; i += 4) {
      await Promise.all([0, 1, 2, 3].filter((j) => i + j < mib * 2).map((j) => { value.fill(i + j); return c.put(`fill/${i + j}`).value(Buffer.from(value.map((b, k) => (b + k * 31) & 255))); }));
    }
  } finally {
    c.close();
  }
}

const podIP = (ns: string, pod: string) => kubectlJson<{ status: { podIP: string } }>(['get', 'pod', '-n', ns, pod]).status.podIP;

/** `etcdctl snapshot save` of the member's pod to a local file. */
const snapshotSave = (ns: string, pod: string, file: string) =>
  execFileSync('etcdctl', [`--endpoints=http://${podIP(ns, pod)}:2379`, 'snapshot', 'save', file], { stdio: 'ignore' });

/**
 * Writes back what earlier steps left in the page cache before a measurement starts: the volume
 * a restore baseline deleted or the files it wrote would otherwise be flushed during whichever
 * measurement comes next (in the loop below, always ours).
 */
function settle(): void {
  execFileSync('sync');
}

/** Baseline: etcdctl snapshot save of the same member to a local file. */
function etcdctlSave(ns: string, pod: string): { seconds: number; bytes: number } {
  settle();
  const file = join(tmpdir(), `bench-snap-${process.pid}.db`);
  rmSync(file, { force: true });
  const t0 = performance.now();
  snapshotSave(ns, pod, file);
  const s = seconds(t0);
  const bytes = statSync(file).size;
  rmSync(file, { force: true });
  return { seconds: s, bytes };
}

/**
 * Baselines a user would write instead (a CronJob): `etcdctl snapshot save` of the same member to a
 * file, then that file uploaded to the same S3 (same client library and part size as the operator),
 * one step after the other. The file is kept for the restore baseline.
 */
async function cronJobPipeline(ns: string, pod: string, key: string): Promise<{ seconds: number; bytes: number; file: string }> {
  settle();
  const dir = mkdtempSync(join(tmpdir(), 'bench-cron-'));
  const file = join(dir, 'snapshot.db');
  const t0 = performance.now();
  snapshotSave(ns, pod, file);
  const client = s3();
  try {
    await new Upload({ client, params: { Bucket: bucket(), Key: key, Body: createReadStream(file) }, partSize: 16 * MiB, queueSize: 4 }).done();
  } finally {
    client.destroy();
  }
  return { seconds: seconds(t0), bytes: statSync(file).size, file };
}

/** Baseline of a restore (bench/support/restore-baseline.ts), after the stack settled. */
function restoreFloor(ns: string, file: string, r: number): number {
  settle();
  return restoreBaseline(ns, file, `floor-${r}`, '3.6.16');
}

/**
 * Ours: from the create request to the status that says Succeeded, both through the API client (the
 * status read every 20 ms), as the baselines run without a tool starting: kubectl's own start-up
 * (~0.1-0.2 s an apply, as much again to see the status) is no part of a backup.
 */
async function timedBackup(ns: string, name: string, cluster: string, secret: string): Promise<{ seconds: number; bytes: number }> {
  settle();
  const obj = { ...JSON.parse(backupYaml(name, { clusterName: cluster, destination: { s3: { bucket: bucket(), prefix: `bench/${ns}/`, credentialsSecret: secret } } })), metadata: { name, namespace: ns } };
  const t0 = performance.now();
  await kube.create(obj);
  const deadline = Date.now() + 600_000;
  for (;;) {
    const x = await kube.read<Backup>(obj);
    if (x?.status?.phase === 'Failed') throw new Error(JSON.stringify(x.status));
    if (x?.status?.phase === 'Succeeded') return { seconds: seconds(t0), bytes: x.status.sizeBytes! };
    if (Date.now() > deadline) throw new Error(`${name} not Succeeded within 600 s`);
    await sleep(20);
  }
}

ensureStack();
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-bk');
const operator = new OperatorProcess(ns);
operator.start();
const secret = createS3Secret(ns);
interface Timed { seconds: number; bytes: number }
const rows: { sizeMiB: number; etcdctl: Timed[]; cronJob: Timed[]; backup: Timed[]; restore: number[]; restoreFloor: number[] }[] = [];
const recoveryFloor: number[] = [];
const recovery: number[] = [];
try {
  for (const mib of sizesMiB) {
    const src = `src${mib}`;
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(src, { size: 1, storage: { size: '2Gi' }, options: { quotaBackendBytes: 4 * 1024 * MiB } }));
    await waitAvailable(ns, src, 300_000);
    await fill(`http://${podIP(ns, `${src}-0`)}:2379`, mib);
    const row = { sizeMiB: mib, etcdctl: [] as Timed[], cronJob: [] as Timed[], backup: [] as Timed[], restore: [] as number[], restoreFloor: [] as number[] };
    for (let r = 0; r < runs; r++) {
      row.etcdctl.push(etcdctlSave(ns, `${src}-0`));
      const cron = await cronJobPipeline(ns, `${src}-0`, `bench/${ns}/cronjob-${mib}-${r}.db`);
      row.cronJob.push(cron);
      row.restoreFloor.push(restoreFloor(ns, cron.file, r));
      rmSync(cron.file, { force: true });
      row.backup.push(await timedBackup(ns, `${src}-b${r}`, src, secret));
    }
    for (let r = 0; r < runs; r++) {
      const name = `rs${mib}-${r}`;
      settle();
      const t0 = performance.now();
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: 1, storage: { size: '2Gi' }, options: { quotaBackendBytes: 4 * 1024 * MiB }, bootstrap: { backup: { name: `${src}-b0` } } }));
      await waitAvailable(ns, name, 900_000, LOOK_MS);
      row.restore.push(seconds(t0));
      kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=true', '--timeout=180s']);
      waitVolumesGone(ns, `data-${name}-0`);
    }
    rows.push(row);
    kubectl(['delete', 'etcdcluster', '-n', ns, src, '--wait=true', '--timeout=180s']);
  }

  // Quorum loss of 2 of 3 (pods and volumes deleted), approved: approval -> Available.
  for (let r = 0; r < runs; r++) {
    const name = `ql${r}`;
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: 3, storage: { size: '64Mi' } }));
    await waitAvailable(ns, name);
    await timedBackup(ns, `${name}-b`, name, secret);
    const cron = await cronJobPipeline(ns, `${name}-0`, `bench/${ns}/cronjob-${name}.db`);
    recoveryFloor.push(restoreFloor(ns, cron.file, 100 + r));
    rmSync(cron.file, { force: true });
    const lost = [`${name}-1`, `${name}-2`];
    kubectl(['delete', 'pvc', '-n', ns, ...lost.map((m) => `data-${m}`), '--wait=false']);
    kubectl(['delete', 'pod', '-n', ns, ...lost, '--grace-period=1', '--wait=true']);
    await waitFor('waiting for approval', () => getCluster(ns, name).status?.conditions?.some((c) => /waiting for approval/.test(c.message ?? '')), { timeoutMs: 180_000, intervalMs: 500 });
    settle();
    const t0 = performance.now();
    execFileSync(process.execPath, [`${repoRoot}bin/etcdop.js`, 'approve', name, '-n', ns], { stdio: 'ignore' });
    await waitFor(`${name} recovered`, async () => { const c = await readCluster(ns, name); return c.status?.readyMembers === 3 && (c.status?.members ?? []).every((m) => !['0', '1', '2'].includes(m.name.split('-').pop()!)); }, { timeoutMs: 600_000, intervalMs: LOOK_MS });
    recovery.push(seconds(t0));
    kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=true', '--timeout=180s']);
  }
} finally {
  kubectl(['delete', 'etcdbackups.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=180s']);
  await operator.stop();
  cleanup();
}

const summary = rows.map((r) => {
  const ctl = median(r.etcdctl.map((x) => x.bytes / x.seconds));
  const ours = median(r.backup.map((x) => x.bytes / x.seconds));
  return {
    sizeMiB: r.sizeMiB,
    dbBytes: r.backup[0]!.bytes,
    etcdctlMiBps: ctl / MiB,
    backupMiBps: ours / MiB,
    backupThroughputRatio: ours / ctl,
    restoreSeconds: median(r.restore),
    all: r,
  };
});
// Targets of issue 22, each against a baseline measured in the same run: backup throughput against
// `etcdctl snapshot save` to a local file and against the CronJob pipeline (that save, then its upload);
// a restore against `etcdutl snapshot restore` of the same snapshot + a pod with a new volume started.
const rowOf = rowsOf('backup');
const benchRows = [
  ...rows.flatMap((r) => {
    const mibps = (xs: Timed[]) => xs.map((x) => x.bytes / x.seconds / MiB);
    const ctl = rowOf(`etcdctl snapshot save to local disk, ${r.sizeMiB} MiB database`, 'MiB/s', mibps(r.etcdctl));
    const cron = rowOf(`CronJob pipeline (etcdctl snapshot save, then upload), ${r.sizeMiB} MiB database`, 'MiB/s', mibps(r.cronJob));
    const ours = `EtcdBackup to S3 (create -> Succeeded), ${r.sizeMiB} MiB database`;
    const restoreFloor = rowOf(`etcdutl snapshot restore + a pod with a new volume, ${r.sizeMiB} MiB`, 's', r.restoreFloor);
    return [
      ctl,
      cron,
      rowOf(ours, 'MiB/s', mibps(r.backup), { baseline: ctl, target: '>= 0.5x etcdctl snapshot save to local disk', check: (x) => x.ratio! >= 0.5 }),
      rowOf(`${ours}, against the CronJob pipeline`, 'MiB/s', mibps(r.backup), { baseline: cron, target: '>= 1.0x the CronJob pipeline', check: (x) => x.ratio! >= 1 }),
      restoreFloor,
      rowOf(`restore 1 member from a ${r.sizeMiB} MiB backup (apply -> Available)`, 's', r.restore, { baseline: restoreFloor, target: '<= 1.5x etcdutl restore + a pod start', check: (x) => x.ratio! <= 1.5 }),
    ];
  }),
  ...(() => {
    const f = rowOf('etcdutl snapshot restore + a pod with a new volume, quorum-loss cluster', 's', recoveryFloor);
    return [f, rowOf('quorum loss 2 of 3, approval -> 3 healthy', 's', recovery, { baseline: f, target: '<= 2x etcdutl restore + a pod start', check: (x) => x.ratio! <= 2 })];
  })(),
];
console.log(JSON.stringify({ bench: 'backup', runs, sizes: summary, recoveryFromApprovalSeconds: { median: median(recovery), all: recovery }, targets: targetsMet(benchRows) }, null, 2));
console.log('\n| database | etcdctl snapshot save | EtcdBackup to S3 (create -> Succeeded) | throughput ratio | restore 1 member (apply -> Available) |\n|---|---|---|---|---|');
for (const s of summary) {
  console.log(`| ${(s.dbBytes / MiB).toFixed(0)} MiB | ${s.etcdctlMiBps.toFixed(1)} MiB/s | ${s.backupMiBps.toFixed(1)} MiB/s | ${s.backupThroughputRatio.toFixed(2)} | ${s.restoreSeconds.toFixed(1)} s |`);
}
console.log(`| quorum loss 2 of 3, approval -> 3 healthy | ${median(recovery).toFixed(1)} s | | | |`);
emitRows(benchRows);
