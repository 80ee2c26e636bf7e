// The receiving helper pods' shell scripts, run as written under busybox (what the default tools
// image is) on this host: env and paths pointed at a temporary directory, the stream sent as the
// operator sends it (token line, "ok", then the bytes).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { restorePod, snapshotReceiverPod } from '../../k8s/manifests/backup-pods.ts';

const owner = { apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: 'uid-1', controller: true };
const TOKEN = 'tok-123';

let bin: string | undefined;
/** A PATH of busybox's applets only, as in the tools image (the host's own tools would hide a missing applet or option). */
function busyboxBin(): string {
  if (!bin) {
    bin = mkdtempSync(join(tmpdir(), 'busybox-bin-'));
    execFileSync('busybox', ['--install', '-s', bin]);
  }
  return bin;
}
after(() => { if (bin) rmSync(bin, { recursive: true, force: true }); });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Runs the pod's receiving container with its env (paths moved under `dir`, the port a free one),
 * sends `payload` after the token, and resolves with the script's exit code and its termination
 * message.
 */
async function runReceiver(pod: V1Pod, dir: string, payload: Buffer, { end = true } = {}): Promise<{ code: number | null; message: string }> {
  const c: V1Container = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers][0]!;
  const port = await freePort();
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, TOKEN);
  const under = (p: string) => join(dir, p.replace(/^\//, ''));
  const env: Record<string, string> = { PATH: busyboxBin() };
  for (const e of c.env ?? []) env[e.name] = e.value!;
  Object.assign(env, { PORT: String(port), TOKEN_FILE: tokenFile });
  for (const k of ['DATA_DIR', 'SNAPSHOT', 'BACKUP_MOUNT']) if (env[k]) env[k] = under(env[k]);
  // The pod's volumes exist before its containers run.
  for (const m of c.volumeMounts ?? []) mkdirSync(under(m.mountPath), { recursive: true });
  const termination = join(dir, 'termination-log');
  const script = c.command![2]!.replaceAll('/dev/termination-log', termination);
  const child = spawn(join(env.PATH!, 'sh'), ['-c', script], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  let ended = false;
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => { ended = true; r(code); }));
  for (let i = 0; ; i++) {
    try {
      await send(port, payload, end);
      break;
    } catch (err) {
      if (i > 100 || ended) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const code = await exited;
  return { code, message: existsSync(termination) ? readFileSync(termination, 'utf8').trim() : '' };
}

/** The operator's side: the token, then the payload once the receiver answered "ok"; then the end, unless `end` is false. Resolves once the receiver closed. */
function send(port: number, payload: Buffer, end: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let answer = '';
    s.on('error', reject);
    s.on('connect', () => s.write(`${TOKEN}\n`));
    s.on('data', (d) => {
      answer += d.toString();
      if (answer !== 'ok\n') return;
      if (end) s.end(payload);
      else s.write(payload);
    });
    s.on('close', () => (answer.startsWith('ok') ? resolve() : reject(new Error(`answered ${JSON.stringify(answer)}`))));
  });
}

describe('receiving helper scripts under busybox', { timeout: 30_000 }, () => {
  const streamRestore = () => restorePod({ namespace: 'n', name: 'db-0-restore', owner, dataClaim: 'data-db-0', source: { stream: true, transfer: 'pod-network' }, sha256: 'f'.repeat(64), toolsImage: 'busybox', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://db-0:2380', token: 'uid', peerURL: 'http://db-0:2380' } });
  const receiver = () => snapshotReceiverPod({ namespace: 'n', name: 'r', owner, claimName: 'backups', file: 'etcd/x.db', toolsImage: 'busybox', transfer: 'pod-network' });
  const data = randomBytes(3 * 1024 * 1024 + 17);

  it('a restore pod takes the announced length, bytes intact, and ends with the last byte (not the stream\'s end)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helper-script-'));
    try {
      const r = await runReceiver(streamRestore(), dir, Buffer.concat([Buffer.from(`${data.length}\n`), data]), { end: false });
      assert.deepEqual(r, { code: 0, message: '' });
      assert.ok(readFileSync(join(dir, 'scratch/restore.db')).equals(data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a restore pod refuses a stream shorter than its length, saying how much arrived', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helper-script-'));
    try {
      const r = await runReceiver(streamRestore(), dir, Buffer.concat([Buffer.from(`${data.length}\n`), data.subarray(0, data.length - 1000)]));
      assert.equal(r.code, 3);
      assert.equal(r.message, `snapshot truncated: ${data.length - 1000} of ${data.length} bytes arrived`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the backup receiver reports the SHA-256 and size of what it stored under the final name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'helper-script-'));
    try {
      const r = await runReceiver(receiver(), dir, data);
      assert.deepEqual(r, { code: 0, message: `${createHash('sha256').update(data).digest('hex')} ${data.length}` });
      assert.ok(readFileSync(join(dir, 'backup/etcd/x.db')).equals(data));
      assert.ok(!existsSync(join(dir, 'backup/etcd/x.db.part')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
