// Streaming a snapshot out of etcd through the maintenance API: from a member that is part of the
// current quorum (of those, the one with the highest revision), as a byte stream (never the whole
// database in memory), with its SHA-256 and size computed on the way and the revision of the point
// in time it captures.
import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/activity';
import type { Etcd3 } from 'etcd3';
import type { ClusterKey } from '../../domain/types.ts';
import { etcdAccess, etcdClient, type EtcdCredentials } from './client.ts';
import type { Kube } from '../../k8s/kube-client.ts';

const MiB = 1024 * 1024;

export interface SnapshotSource {
  member: string;
  endpoint: string;
  /** How to reach it (TLS, login): stays inside the activity. */
  creds: EtcdCredentials;
  /** Revision of the linearizable read that proved the member in quorum; the snapshot holds at least this one. */
  revision: number;
  version: string;
}

/** How the chooser asks one member (its own endpoint only): tests substitute their own. */
export interface MemberProbe {
  /** Member-local status (answered without quorum): the member's version. */
  status(endpoint: string): Promise<{ version: string }>;
  /**
   * A linearizable read through this member: it succeeds only while the member is part of the current
   * quorum (etcd confirms its read index with the leader) and has applied everything committed so far.
   * Returns the revision it read at.
   */
  quorumRead(endpoint: string): Promise<number>;
}

/** The probe over real etcd clients (each call with its own deadline). */
export function etcdProbe(withClient: <T>(hosts: string, fn: (c: Etcd3) => Promise<T>, callTimeoutMs?: number) => Promise<T>, callTimeoutMs = 3000): MemberProbe {
  return {
    status: (endpoint) => withClient(endpoint, async (c) => ({ version: (await c.maintenance.status()).version }), callTimeoutMs),
    quorumRead: (endpoint) => withClient(endpoint, async (c) => {
      const r = await c.kv.range({ key: QUORUM_PROBE_KEY, serializable: false, count_only: true });
      return Number(r.header.revision);
    }, callTimeoutMs),
  };
}

/** The key the quorum check reads (counts only; nothing is written). */
const QUORUM_PROBE_KEY = Buffer.from('/etcd-operator/quorum-probe');

/**
 * The member to snapshot: one that is part of the current quorum, proven by a linearizable read
 * through its own endpoint; of those, the one that read at the highest revision. A member that
 * answers only member-local calls (partitioned, or its peers are down) holds a possibly stale copy:
 * it is never chosen. None in quorum is a retryable failure (quorum may come back).
 */
export async function chooseSnapshotMember(endpoints: ReadonlyMap<string, string>, probe: MemberProbe, clusterName = 'the cluster'): Promise<{ member: string; endpoint: string; revision: number; version: string }> {
  if (!endpoints.size) throw ApplicationFailure.retryable(`${clusterName} has no running member to snapshot`, 'NoMember');
  const answers = await Promise.all([...endpoints].map(async ([member, endpoint]) => {
    const [status, read] = await Promise.allSettled([probe.status(endpoint), probe.quorumRead(endpoint)]);
    return { member, endpoint, status, read };
  }));
  const inQuorum = answers.flatMap((a) => (a.status.status === 'fulfilled' && a.read.status === 'fulfilled'
    ? [{ member: a.member, endpoint: a.endpoint, revision: a.read.value, version: a.status.value.version }] : []));
  const best = inQuorum.sort((a, b) => b.revision - a.revision || a.member.localeCompare(b.member))[0];
  if (best) return best;
  const reachable = answers.filter((a) => a.status.status === 'fulfilled').map((a) => a.member);
  if (!reachable.length) throw ApplicationFailure.retryable(`no member of ${clusterName} answers`, 'NoMember');
  throw ApplicationFailure.retryable(`no member of ${clusterName} is part of a quorum (a linearizable read failed through ${reachable.join(', ')}): a snapshot of a member cut off from the quorum may miss acknowledged writes`, 'NoQuorum');
}

/** The member to snapshot (see chooseSnapshotMember), with the credentials to reach it. */
export async function pickSnapshotMember(kube: Kube, key: ClusterKey, callTimeoutMs = 3000): Promise<SnapshotSource> {
  const etcd = await etcdAccess(kube, key);
  const chosen = await chooseSnapshotMember(etcd.endpoints, etcdProbe(etcd.with, callTimeoutMs), `EtcdCluster ${key.namespace}/${key.name}`);
  return { ...chosen, creds: etcd.creds };
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
