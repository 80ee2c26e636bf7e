// Streaming a snapshot out of etcd through the maintenance API: from the member with the highest
// revision, as a byte stream (never the whole database in memory), with its SHA-256 and size
// computed on the way and the revision of the point in time it captures.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { ClusterKey } from '../workflows/types.ts';
import { etcdAccess, etcdClient, type EtcdCredentials } from './etcd-client.ts';
import type { Kube } from './kube-client.ts';

const MiB = 1024 * 1024;

export interface SnapshotSource {
  member: string;
  endpoint: string;
  /** How to reach it (TLS, login): stays inside the activity. */
  creds: EtcdCredentials;
  /** Revision the member reported when chosen; the snapshot holds at least this one. */
  revision: number;
  version: string;
}

/** The reachable member with the highest revision (ties: the leader's view is as good as any). */
export async function pickSnapshotMember(kube: Kube, key: ClusterKey, callTimeoutMs = 3000): Promise<SnapshotSource> {
  const etcd = await etcdAccess(kube, key);
  const { endpoints, creds } = etcd;
  if (!endpoints.size) throw ApplicationFailure.retryable(`EtcdCluster ${key.namespace}/${key.name} has no running member to snapshot`, 'NoMember');
  const answers = await Promise.all([...endpoints].map(async ([member, endpoint]) => {
    try {
      const s = await etcd.with(endpoint, (c) => c.maintenance.status(), callTimeoutMs);
      return { member, endpoint, creds, revision: Number(s.header.revision), version: s.version };
    } catch {
      return undefined;
    }
  }));
  const best = answers.filter((a) => a !== undefined).sort((a, b) => b.revision - a.revision)[0];
  if (!best) throw ApplicationFailure.retryable(`no member of ${key.namespace}/${key.name} answers`, 'NoMember');
  return best;
}

export interface SnapshotStream {
  /** The snapshot bytes. */
  bytes: Readable;
  /** The snapshot's point in time (the first message's header), known once the first chunk arrived. */
  revision(): number | undefined;
  /** Bytes and SHA-256 so far; final once `bytes` ended. */
  digest(): { sizeBytes: number; sha256: string };
  close(): void;
}

/** Opens the snapshot stream of one member. `onChunk` sees the byte count as it grows (heartbeats), at most once per MiB. */
export async function openSnapshot(source: Pick<SnapshotSource, 'endpoint' | 'creds'>, onChunk: (sizeBytes: number) => void = () => {}): Promise<SnapshotStream> {
  // No call deadline on the stream (it lasts as long as the database takes); a stalled stream is
  // caught by the activity's heartbeat timeout.
  const client = etcdClient(source.endpoint, 5000, source.creds, true);
  const rpc = await client.maintenance.snapshot() as unknown as Readable;
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let revision: number | undefined;
  let sha256: string | undefined;
  const bytes = new Transform({
    readableObjectMode: false,
    writableObjectMode: true,
    transform(msg: { header?: { revision?: string }; blob: Buffer }, _enc, done) {
      if (revision === undefined && msg.header?.revision !== undefined) revision = Number(msg.header.revision);
      const blob = msg.blob; // already a Buffer: no copy
      hash.update(blob);
      const before = sizeBytes;
      sizeBytes += blob.length;
      if (Math.floor(before / MiB) !== Math.floor(sizeBytes / MiB)) onChunk(sizeBytes);
      done(null, blob);
    },
    flush(done) {
      sha256 = hash.digest('hex');
      done();
    },
  });
  // Readers (an upload, a socket) see errors through their own listeners; this one keeps an error on a
  // stream nobody reads yet (e.g. the credentials were missing) from becoming an uncaught exception.
  bytes.on('error', () => {});
  rpc.on('error', (err) => bytes.destroy(err));
  rpc.pipe(bytes);
  return {
    bytes,
    revision: () => revision,
    digest: () => ({ sizeBytes, sha256: sha256 ?? '' }),
    // A stream cut short must fail its reader (an upload then aborts), never look like a complete snapshot.
    close: () => { if (!bytes.writableFinished) bytes.destroy(new Error('snapshot stream closed before its end')); rpc.destroy(); client.close(); },
  };
}
