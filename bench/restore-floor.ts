// The floor of a restore design we do not ship, against the restore bench's baseline, in the same
// run: one container of the etcd image that takes the snapshot stream, runs `etcdutl snapshot
// restore` and then execs etcd (a static busybox copied into it by an init container of the tools
// image), on a new volume. The stream comes straight from this process, not from S3, and no
// operator, workflow or status is involved: whatever the operator adds comes on top. It tells
// whether that design could meet issue 22's target for a restore (1.5x the baseline).
// Baseline (bench/support/restore-baseline.ts, as in bench/backup.ts): `etcdutl snapshot restore` of
// the file on this machine + a pod with a new volume started until ready.
// Usage: node --import tsx bench/restore-floor.ts [--runs N] [--mib M]   (needs the stack)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { ensureStack } from '../test/support/stack.ts';
import { etcdImage, kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { waitFor } from '../test/support/wait.ts';
import { benchArgs } from './support/args.ts';
import { LOOK_MS } from './support/look.ts';
import { seconds } from './support/stats.ts';
import { emitRows, rowsOf } from './support/rows.ts';
import { renderTable } from './support/report.ts';
import { claimAndPod, removeClaimAndPod, restoreBaseline } from './support/restore-baseline.ts';

const { runs, mib } = benchArgs({ runs: 3, mib: 64 });
const VERSION = '3.6.16';
// The local stack's tools image: Debian's busybox-static (the default busybox:1.36 is not static).
const TOOLS_IMAGE = 'etcd-operator.local/busybox:1.35';
const PORT = 2390;

ensureStack();
const { ns, cleanup } = tempNamespace('bench-restore-floor');

/** A snapshot of `mib` MiB of values from an etcd on this machine's loopback. */
async function snapshotFile(dir: string): Promise<string> {
  const etcd = spawn('etcd', ['--data-dir', join(dir, 'src'), '--listen-client-urls', 'http://127.0.0.1:23790', '--advertise-client-urls', 'http://127.0.0.1:23790',
    '--listen-peer-urls', 'http://127.0.0.1:23800', '--initial-advertise-peer-urls', 'http://127.0.0.1:23800', '--initial-cluster', 'default=http://127.0.0.1:23800', '--quota-backend-bytes', String(4 * 2 ** 30)], { stdio: 'ignore' });
  const client = new Etcd3({ hosts: 'http://127.0.0.1:23790' });
  try {
    await waitFor('the loopback etcd to start', () => client.get('up').then(() => true), { timeoutMs: 10_000, intervalMs: 100 });
    const value = Buffer.alloc(512 * 1024);
    for (let i = 0; i < mib * 2; i++) {
      for (let k = 0; k < value.length; k++) value[k] = (i * 7 + k * 31) & 255;
      await client.put(`fill/${i}`).value(value);
    }
    const file = join(dir, 'snapshot.db');
    execFileSync('etcdctl', ['--endpoints=http://127.0.0.1:23790', 'snapshot', 'save', file], { stdio: 'ignore' });
    return file;
  } finally {
    client.close();
    etcd.kill('SIGKILL');
  }
}

// Receive exactly SIZE bytes, restore them, then become etcd; a restart after the restore only execs etcd.
const ONE_CONTAINER = [
  'set -eu',
  'b=/shell/busybox',
  'if [ ! -d /data/etcd/member ]; then',
  '  $b rm -rf /data/restoring /data/snapshot.db',
  `  $b nc -l -p ${PORT} | $b dd bs=1M iflag=fullblock,count_bytes count="$SIZE" of=/data/snapshot.db 2>/dev/null`,
  '  /usr/local/bin/etcdutl snapshot restore /data/snapshot.db --data-dir /data/restoring --name m --initial-cluster "m=http://$IP:2380" --initial-advertise-peer-urls "http://$IP:2380" >/dev/null',
  '  $b mv /data/restoring /data/etcd',
  '  $b rm -f /data/snapshot.db',
  'fi',
  'exec /usr/local/bin/etcd --data-dir /data/etcd --name m --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls "http://$IP:2379" --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls "http://$IP:2380" --initial-cluster "m=http://$IP:2380"',
].join('\n');

/** The design's floor: apply -> etcd in the pod answers /health, the snapshot streamed in meanwhile. */
async function oneContainer(snapshot: Buffer, r: number): Promise<number> {
  const name = `one-container-${r}`;
  const t0 = performance.now();
  kubectl(['apply', '-n', ns, '-f', '-'], claimAndPod(name, {
    initContainers: [{ name: 'shell', image: TOOLS_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['cp', '/bin/busybox', '/shell/busybox'], volumeMounts: [{ name: 'shell', mountPath: '/shell' }] }],
    containers: [{
      name: 'etcd', image: etcdImage(VERSION), imagePullPolicy: 'IfNotPresent', command: ['/shell/busybox', 'sh', '-c', ONE_CONTAINER],
      env: [{ name: 'SIZE', value: String(snapshot.length) }, { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'shell', mountPath: '/shell', readOnly: true }],
    }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: name } }, { name: 'shell', emptyDir: {} }],
  }));
  const look = { timeoutMs: 180_000, intervalMs: LOOK_MS / 2 };
  const ip = await waitFor(`${name} to have an address`, () => kubectlJson<{ status: { podIP?: string } }>(['get', 'pod', '-n', ns, name]).status.podIP, look);
  await waitFor(`${name} to take the snapshot`, () => new Promise<boolean>((resolve) => {
    const socket = connect(PORT, ip);
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.end(snapshot, () => resolve(true)));
  }), look);
  await waitFor(`etcd in ${name} to be healthy`, async () => {
    const res = await fetch(`http://${ip}:2379/health`, { signal: AbortSignal.timeout(500) });
    return res.ok && (await res.json() as { health?: string }).health === 'true';
  }, look);
  const s = seconds(t0);
  removeClaimAndPod(ns, name);
  return s;
}

const baselines: number[] = [];
const floors: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'bench-restore-floor-src-'));
try {
  const file = await snapshotFile(dir);
  const snapshot = readFileSync(file);
  for (let r = 0; r < runs; r++) {
    baselines.push(restoreBaseline(ns, file, `baseline-${r}`, VERSION));
    floors.push(await oneContainer(snapshot, r));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  cleanup();
}

const rowOf = rowsOf('restore-floor');
const base = rowOf(`etcdutl snapshot restore + a pod with a new volume, ${mib} MiB`, 's', baselines);
const floor = rowOf(`one etcd-image container: stream -> etcdutl -> etcd, no operator, ${mib} MiB`, 's', floors, { baseline: base });
console.log(JSON.stringify({ bench: 'restore-floor', runs, mib, baselineSeconds: baselines, oneContainerSeconds: floors, ratio: floor.ratio }, null, 2));
console.log(`\n${renderTable([base, floor])}`);
emitRows([base, floor]);
