// EtcdBackup helpers for e2e tests: the S3 credentials Secret, reading and waiting for backups,
// objects stored and their hash, real snapshots, and bulk keys written and read through the client Service.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Etcd3 } from 'etcd3';
import { LocalEtcd } from './etcd-processes.ts';
import { kubectl, kubectlJson } from './kube.ts';
import { toolDir } from './stack.ts';
import { answered } from './etcd-answer.ts';
import { waitFor } from './wait.ts';

export interface Backup {
  metadata: { name: string; uid: string; labels?: Record<string, string>; finalizers?: string[] };
  status?: { phase?: string; location?: string; sizeBytes?: number; sha256?: string; revision?: number; etcdVersion?: string; conditions?: { message?: string }[] };
}

export const bucket = () => process.env.BACKUP_BUCKET ?? 'etcd-backups';

/** A Secret with the stack's S3 credentials under the keys EtcdBackup expects. */
export function createS3Secret(ns: string, name = 's3-creds'): string {
  kubectl(['create', 'secret', 'generic', name, '-n', ns, `--from-literal=accessKeyId=${process.env.AWS_ACCESS_KEY_ID}`, `--from-literal=secretAccessKey=${process.env.AWS_SECRET_ACCESS_KEY}`]);
  return name;
}

export const backupYaml = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdBackup', metadata: { name }, spec });
export const getBackup = (ns: string, name: string) => kubectlJson<Backup>(['get', 'etcdbackups.etcd.operator.dev', '-n', ns, name]);
export const listBackups = (ns: string) => kubectlJson<{ items: Backup[] }>(['get', 'etcdbackups.etcd.operator.dev', '-n', ns]).items;

export async function waitBackupDone(ns: string, name: string, timeoutMs = 300_000): Promise<Backup> {
  return waitFor(`backup ${name} done`, () => {
    const b = getBackup(ns, name);
    return (b.status?.phase === 'Succeeded' || b.status?.phase === 'Failed') && b;
  }, { timeoutMs, intervalMs: 1000 });
}

export const s3 = () => new S3Client({ forcePathStyle: true, endpoint: process.env.AWS_ENDPOINT_URL_S3, region: process.env.AWS_REGION });

/** The keys stored under `prefix` in the stack's backup bucket, sorted. */
export async function storedObjects(prefix: string): Promise<string[]> {
  const client = s3();
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    client.destroy();
  }
}

/** SHA-256 and size of a stored object, or undefined when it does not exist. */
export async function objectDigest(location: string): Promise<{ sha256: string; size: number } | undefined> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!m) throw new Error(`not an s3 location: ${location}`);
  const client = s3();
  try {
    try {
      await client.send(new HeadObjectCommand({ Bucket: m[1], Key: m[2] }));
    } catch {
      return undefined;
    }
    const got = await client.send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of got.Body as Readable) { hash.update(chunk as Buffer); size += (chunk as Buffer).length; }
    return { sha256: hash.digest('hex'), size };
  } finally {
    client.destroy();
  }
}

/**
 * Puts `count` keys `<prefix>/<i>` with values derived from the index, 50 at a time. A batch that
 * fails (a busy node: "request timed out") is put again: the same key with the same value is idempotent.
 */
export async function writeKeys(endpoint: string, prefix: string, count: number, valueSize = 100): Promise<void> {
  const c = new Etcd3({ hosts: endpoint });
  try {
    for (let i = 0; i < count; i += 50) {
      for (let attempt = 1; ; attempt++) {
        try {
          await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => c.put(`${prefix}/${i + j}`).value(valueOf(i + j, valueSize))));
          break;
        } catch (err) {
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 1000 * attempt));
        }
      }
    }
  } finally {
    c.close();
  }
}

export const valueOf = (i: number, size = 100) => `v${i}-`.padEnd(size, String.fromCharCode(97 + (i % 26)));

/** Every key under the prefix and its value. */
export async function readKeys(endpoint: string, prefix: string): Promise<Map<string, string>> {
  // Right after a cluster turns Available its client Service may not be programmed on the node yet
  // (kube-proxy lags the endpoints: ECONNREFUSED on the ClusterIP): read again until etcd answers.
  // A fresh client each time, so its circuit breaker does not hold on to an early refusal.
  return answered(`read of ${prefix}/`, async () => {
    const c = new Etcd3({ hosts: endpoint });
    try {
      return new Map(Object.entries(await c.getAll().prefix(`${prefix}/`).strings()));
    } finally {
      c.close();
    }
  });
}

/** Stores `body` under `key` in the test bucket; its s3:// location. */
export async function putObject(key: string, body: Buffer): Promise<string> {
  const store = s3();
  try {
    await store.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }));
  } finally { store.destroy(); }
  return `s3://${bucket()}/${key}`;
}

/** A real etcd 3.6 snapshot: a one-member etcd on loopback `ip`, filled by `fill`, streamed out. */
export async function loopbackSnapshot(ip: string, fill: (etcd: LocalEtcd) => Promise<void>): Promise<Buffer> {
  const etcd = new LocalEtcd(toolDir('etcd36'), ip);
  try {
    etcd.start(1, [1], 'new');
    await etcd.waitHealthy(1);
    await fill(etcd);
    const c = etcd.client([1]);
    try {
      const chunks: Buffer[] = [];
      for await (const m of await c.maintenance.snapshot() as unknown as AsyncIterable<{ blob: Buffer }>) chunks.push(m.blob);
      return Buffer.concat(chunks);
    } finally { c.close(); }
  } finally {
    await etcd.close();
  }
}
