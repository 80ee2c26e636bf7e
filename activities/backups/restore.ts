// Restore activities: find and verify the snapshot a cluster starts from, and restore it onto one
// member's volume with a helper pod. A volume carries an annotation once restored, so a retried or
// resumed restore never restores a member twice.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure, Context, heartbeat, sleep } from '@temporalio/activity';
import { GROUP, pvcName } from '../../k8s/api.ts';
import { imageFor, minorOf } from '../../k8s/cluster-spec.ts';
import { restorePod, restorePodFetched, restorePodName, restorePodSha256, transferPathFor } from '../../k8s/manifests/backup-pods.ts';
import { initialCluster } from '../../k8s/manifests/initial-cluster.ts';
import { memberPVC } from '../../k8s/manifests/member-pvc.ts';
import { belongsTo, ownerReference } from '../../k8s/manifests/owner.ts';
import { peerURL } from '../../k8s/api.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { parseS3Location, readObject, s3ClientFor, s3Location } from './s3.ts';
import type { RecoveryCandidates, RestoreSource, S3Access } from '../../domain/backups.ts';
import { parsePvcLocation } from './backup.ts';
import { deleteHelperPod, ensurePod, helperPodOutcome, pushToPod, readPod, throttledHeartbeat, waitPodDone } from './helper-pods.ts';
import { backupOfCluster, getBackup, listBackups, type EtcdBackupObject } from '../../k8s/backup-objects.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from '../kube/cluster.ts';
import { heldAtGate } from '../kube/join-gate.ts';
import { logSideEffect } from '../side-effects.ts';

/** One member's restore: its name, the members it is restored as one of, and the snapshot. */
export interface RestorePlan { member: string; initialMembers: string[]; source: RestoreSource }

/** On a member volume once a snapshot was restored onto it: the SHA-256 restored. */
export const RESTORED_ANNOTATION = `${GROUP}/restored-sha256`;

/** How long a restore pod waits for its member's pod to get the volume bound; then it is made anyway. */
const BIND_WAIT_MS = 10_000;
const BIND_POLL_MS = 100;

/** The header of a member's data claim. */
export const claimOf = (key: ClusterKey, member: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace: key.namespace, name: pvcName(member) } });

const major = (v: string) => v.split('.')[0];

/** Why a snapshot of `from` cannot start a cluster of `to`, or undefined when it can. */
export function versionSkew(from: string | undefined, to: string): string | undefined {
  if (!from) return undefined;
  if (major(from) !== major(to)) return `the backup is of etcd ${from}, another major version than the cluster's ${to}`;
  const [fm, tm] = [Number(minorOf(from).split('.')[1]), Number(minorOf(to).split('.')[1])];
  if (fm > tm) return `the backup is of etcd ${from}, newer than the cluster's ${to} (etcd does not support downgrades)`;
  return undefined;
}

/** What a Succeeded EtcdBackup restores from (names and hashes only), or undefined for any other backup. */
function sourceOf(b: EtcdBackupObject): RestoreSource | undefined {
  const s = b.status;
  if (s?.phase !== 'Succeeded' || !s.location || !s.sha256 || s.sizeBytes === undefined) return undefined;
  const dest = s.destination ?? (b.spec as { destination?: { s3?: S3Access } } | undefined)?.destination;
  return { location: s.location, sha256: s.sha256, backupName: b.metadata.name, revision: s.revision ?? 0, etcdVersion: s.etcdVersion ?? '', sizeBytes: s.sizeBytes, ...(dest?.s3 && { s3: stripPrefix(dest.s3) }) };
}

/** The source, unless the cluster's version cannot start from it. */
function checkedAgainst(version: string, source: RestoreSource): RestoreSource {
  const skew = versionSkew(source.etcdVersion, version);
  if (skew) throw ApplicationFailure.nonRetryable(`cannot restore: ${skew}`, 'VersionSkew');
  return source;
}

const noBackup = (key: ClusterKey) => `no Succeeded EtcdBackup of ${key.namespace}/${key.name}: nothing to restore from (take backups with spec.backup or etcdop backup)`;

/** Candidates newest revision first; ties (same revision) by the later completion. */
export function byRevision(a: RestoreSource & { completedAt?: string }, b: RestoreSource & { completedAt?: string }): number {
  return (b.revision ?? 0) - (a.revision ?? 0) || (b.completedAt ?? '').localeCompare(a.completedAt ?? '');
}

export function restoreActivities({ kube, toolsImage, defaultRepository }: { kube: Kube; toolsImage: string; defaultRepository: string }) {
  const sourceFromBackup = async (namespace: string, name: string): Promise<RestoreSource> => {
    const b = await getBackup(kube, { namespace, name });
    if (!b) throw ApplicationFailure.nonRetryable(`EtcdBackup ${namespace}/${name} not found`, 'BackupNotFound');
    const source = sourceOf(b);
    if (!source) throw ApplicationFailure.nonRetryable(`EtcdBackup ${namespace}/${name} is ${b.status?.phase ?? 'Pending'}, not Succeeded: nothing to restore`, 'BackupNotReady');
    return source;
  };

  const recoverySources = async (key: ClusterKey): Promise<RecoveryCandidates> => {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, 'ClusterGone');
    if (c.spec.storage.emptyDir) {
      throw ApplicationFailure.nonRetryable('cannot recover in place: spec.storage.emptyDir members cannot be restored onto a volume; create a new cluster with spec.bootstrap.backup from the latest backup', 'EmptyDir');
    }
    const sources = (await listBackups(kube, key.namespace))
      .filter((b) => backupOfCluster(b, key) && !b.metadata.deletionTimestamp)
      .flatMap((b) => { const s = sourceOf(b); return s ? [{ ...s, completedAt: b.status?.completedAt ?? '' }] : []; })
      .sort(byRevision)
      .map(({ completedAt: _c, ...s }) => s);
    const out: RecoveryCandidates = { candidates: [], skipped: [] };
    for (const s of sources) {
      const skew = versionSkew(s.etcdVersion, c.spec.version);
      if (skew) out.skipped.push({ backup: s.backupName ?? s.location, ...(s.revision !== undefined && { revision: s.revision }), reason: skew });
      else out.candidates.push(s);
    }
    return out;
  };

  /** Applies `member`'s volume; 'already' when it holds this snapshot, else the cluster it is applied for. */
  const applyRestoreVolume = async (key: ClusterKey, plan: RestorePlan): Promise<'already' | NonNullable<Awaited<ReturnType<typeof loadCluster>>>> => {
    // Heartbeat from the first step, not only once bytes flow: on a loaded API server the reads and
    // applies before the pod exists can outlast a short heartbeat timeout on their own.
    heartbeat({ step: `${plan.member}: preparing its volume` });
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, 'ClusterGone');
    const claim = await kube.read<V1PersistentVolumeClaim>(claimOf(key, plan.member));
    if (claim?.metadata?.annotations?.[RESTORED_ANNOTATION] === plan.source.sha256) return 'already';
    if (claim && !belongsTo(claim.metadata, key.uid)) {
      throw ApplicationFailure.nonRetryable(`PersistentVolumeClaim ${pvcName(plan.member)} belongs to another cluster`, 'VolumeConflict');
    }
    await kube.apply(memberPVC(c.ref, plan.member));
    heartbeat({ step: `${plan.member}: volume ready` });
    return c;
  };

  /**
   * Applies `member`'s volume; returns its restore pod for this snapshot: the one there unless it
   * failed, is going away or restores another snapshot (a recovery trying its next backup), else a
   * new one, made once the member's pod got the volume bound (untilBoundByMember). 'already' when
   * the volume holds this snapshot.
   */
  const startRestore = async (key: ClusterKey, plan: RestorePlan): Promise<'already' | V1Pod> => {
    const c = await applyRestoreVolume(key, plan);
    if (c === 'already') return 'already';
    const existing = await usableRestorePod(key, plan);
    if (existing) return existing;
    await untilBoundByMember(key, plan.member);
    const name = restorePodName(plan.member);
    const pvc = parsePvcLocation(plan.source.location);
    return ensurePod(kube, restorePod({
      namespace: key.namespace,
      name,
      owner: ownerReference(c.ref),
      dataClaim: pvcName(plan.member),
      source: pvc ? { claimName: pvc.claimName, file: pvc.file } : { stream: true, transfer: transferPathFor(Boolean(c.spec.tls)) },
      sha256: plan.source.sha256,
      toolsImage,
      etcdImage: imageFor(c.spec, defaultRepository),
      member: { name: plan.member, initialCluster: initialCluster(key.name, key.namespace, plan.initialMembers, Boolean(c.spec.tls)), token: key.uid, peerURL: peerURL(key.name, key.namespace, plan.member, Boolean(c.spec.tls)) },
    }));
  };

  /**
   * The member's restore pod for this snapshot, when one is there that has not failed and is not
   * going away; any other of this cluster under its name (failed, going away, another snapshot's)
   * is deleted. A pod under that name that is not this cluster's is left alone: a conflict.
   */
  const usableRestorePod = async (key: ClusterKey, plan: RestorePlan): Promise<V1Pod | undefined> => {
    const name = restorePodName(plan.member);
    const existing = await readPod(kube, key.namespace, name);
    if (existing && !belongsTo(existing.metadata, key.uid)) {
      throw ApplicationFailure.nonRetryable(`Pod ${name} belongs to another cluster: it is left as it is, and ${plan.member} cannot be restored while it is there`, 'PodConflict');
    }
    if (existing && !existing.metadata?.deletionTimestamp && restorePodSha256(existing) === plan.source.sha256 && helperPodOutcome(existing) !== 'Failed') return existing;
    if (existing) await deleteHelperPod(kube, key.namespace, name);
    return undefined;
  };

  /**
   * When the member's own pod is on the volume (made beside the restore, held at its join gate), waits
   * until the volume is bound, up to BIND_WAIT_MS. The restore pod, made first, was scheduled
   * 0.7-1.2 s after the member's pod on the same volume (our reading: turned down while the volume
   * waited for its first consumer, then tried again only after the scheduler's back-off), and only
   * the restore is on the critical path. Made once the volume is bound, it is scheduled at once.
   */
  const untilBoundByMember = async (key: ClusterKey, member: string): Promise<void> => {
    const deadline = Date.now() + BIND_WAIT_MS;
    for (;;) {
      const claim = await kube.read<V1PersistentVolumeClaim>(claimOf(key, member));
      if (!claim || claim.status?.phase === 'Bound' || Date.now() >= deadline) return;
      const pod = await readPod(kube, key.namespace, member);
      if (!pod || pod.metadata?.deletionTimestamp || !belongsTo(pod.metadata, key.uid)) return;
      heartbeat({ step: `${member}: waiting for its volume to be bound` });
      await sleep(BIND_POLL_MS);
    }
  };

  return {
    /** The snapshot spec.bootstrap.backup names, checked against the cluster's version. */
    async resolveBootstrapSource(key: ClusterKey): Promise<RestoreSource> {
      const c = await loadCluster(kube, key);
      if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, 'ClusterGone');
      const src = c.spec.bootstrap?.backup;
      if (!src) throw ApplicationFailure.nonRetryable('spec.bootstrap.backup is not set', 'InvalidSpec');
      let source: RestoreSource;
      if (src.name) {
        source = await sourceFromBackup(key.namespace, src.name);
      } else {
        const s3 = src.s3!;
        const location = s3Location(s3.bucket, s3.key);
        // No hash given: the EtcdBackup that stored this object recorded one.
        const known = (await listBackups(kube, key.namespace)).find((b) => b.status?.location === location && b.status.phase === 'Succeeded');
        const sha256 = s3.sha256 ?? known?.status?.sha256;
        if (!sha256) throw ApplicationFailure.nonRetryable(`no SHA-256 known for ${location}: set spec.bootstrap.backup.s3.sha256 (or restore by EtcdBackup name)`, 'NoChecksum');
        const { key: _k, sha256: _s, ...access } = s3;
        source = { location, sha256, s3: access, ...(known?.status?.etcdVersion && { etcdVersion: known.status.etcdVersion, revision: known.status.revision }) };
      }
      return checkedAgainst(c.spec.version, source);
    },

    /**
     * What a recovery may restore: this cluster's Succeeded backups (by uid), newest revision first
     * (the one that loses the fewest writes), and those its version cannot start from, with why.
     * Reads nothing stored: the workflow verifies each candidate before it touches a member.
     */
    async recoveryCandidates(key: ClusterKey): Promise<RecoveryCandidates> {
      const found = await recoverySources(key);
      if (!found.candidates.length && !found.skipped.length) throw ApplicationFailure.nonRetryable(noBackup(key), 'NoBackup');
      return found;
    },

    /**
     * Reads the stored snapshot once and checks its SHA-256 before any member is touched. A PVC
     * source is checked by each restore pod before it restores (reading a volume needs a pod).
     */
    async verifySnapshot(key: ClusterKey, source: RestoreSource): Promise<{ sizeBytes: number }> {
      const loc = parseS3Location(source.location);
      if (!loc) return { sizeBytes: source.sizeBytes ?? 0 };
      if (!source.s3) throw ApplicationFailure.nonRetryable(`no credentials known for ${source.location}`, 'NoDestination');
      const s3 = await s3ClientFor(kube, key.namespace, source.s3);
      try {
        const { body } = await readObject(s3, loc.bucket, loc.key);
        const hash = createHash('sha256');
        const beat = throttledHeartbeat();
        let size = 0;
        await pipeline(body, new Transform({ transform(chunk: Buffer, _e, done) { hash.update(chunk); size += chunk.length; beat({ readBytes: size }); done(); } }), { signal: Context.current().cancellationSignal });
        const got = hash.digest('hex');
        if (got !== source.sha256) throw ApplicationFailure.nonRetryable(`snapshot ${source.location} is corrupt or truncated: sha256 ${got} (${size} bytes), expected ${source.sha256}`, 'ChecksumMismatch');
        return { sizeBytes: size };
      } finally {
        s3.destroy();
      }
    },

    /**
     * Applies `member`'s volume and deletes a restore pod there that this snapshot cannot use (an
     * earlier candidate's); this snapshot's own follows in restoreMemberVolume, once the member's pod
     * made meanwhile got the volume bound. Runs beside verifySnapshot: a fresh volume holds no data,
     * and nothing is sent into it before restoreMemberVolume (after the check).
     */
    async prepareRestoreVolume(key: ClusterKey, plan: RestorePlan): Promise<'prepared' | 'already'> {
      if ((await applyRestoreVolume(key, plan)) === 'already') return 'already';
      await usableRestorePod(key, plan);
      return 'prepared';
    },

    /**
     * Deletes the restore pods prepared for a snapshot that failed its check: they would wait for a
     * stream that never comes. Only pods of this cluster that were made for this snapshot. With
     * `heldMembers`, the members' own pods made beside them too, while still held at their join
     * gates (their etcd never ran): a failed restore leaves no pod behind.
     */
    async discardRestorePods(key: ClusterKey, plan: { members: string[]; sha256: string; heldMembers?: boolean }): Promise<void> {
      for (const member of plan.members) {
        const name = restorePodName(member);
        const pod = await readPod(kube, key.namespace, name);
        if (pod && belongsTo(pod.metadata, key.uid) && restorePodSha256(pod) === plan.sha256) await deleteHelperPod(kube, key.namespace, name, { wait: false });
        if (!plan.heldMembers) continue;
        const held = await readPod(kube, key.namespace, member);
        if (held && belongsTo(held.metadata, key.uid) && !held.metadata?.deletionTimestamp && heldAtGate(held)) {
          await kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: key.namespace, name: member } });
          logSideEffect('deleted a member pod held at its join gate (its snapshot failed the check)', key, { member });
        }
      }
    },

    /**
     * Restores the snapshot onto `member`'s volume (created here unless prepared) as a member of
     * `initialMembers`. Skips a volume already restored from this snapshot; a restore pod of this
     * snapshot that has not failed is taken on where it is, any other runs again from scratch.
     */
    async restoreMemberVolume(key: ClusterKey, plan: RestorePlan): Promise<'restored' | 'already'> {
      const pod = await startRestore(key, plan);
      if (pod === 'already') return 'already';
      const name = pod.metadata!.name!;
      const fromVolume = Boolean(parsePvcLocation(plan.source.location));
      if (helperPodOutcome(pod) !== 'Succeeded') {
        if (!fromVolume && !restorePodFetched(pod)) {
          const loc = parseS3Location(plan.source.location);
          if (!loc || !plan.source.s3) throw ApplicationFailure.nonRetryable(`cannot read ${plan.source.location}`, 'BadLocation');
          const s3 = await s3ClientFor(kube, key.namespace, plan.source.s3);
          try {
            await pushToPod(kube, key.namespace, name, async () => {
              const { body, length } = await readObject(s3, loc.bucket, loc.key);
              return Readable.from(verifiedStream(body, length, plan.source));
            }, `restore of ${plan.member}`);
          } finally {
            s3.destroy();
          }
        }
        let finished: V1Pod;
        try {
          finished = await waitPodDone(kube, key.namespace, name, `restore of ${plan.member}`);
        } catch (err) {
          // A checksum mismatch of a volume source will not fix itself.
          if (fromVolume && /sha256 mismatch/.test((err as Error).message)) throw ApplicationFailure.nonRetryable((err as Error).message, 'ChecksumMismatch');
          throw err;
        }
        // The pod under this name may be another snapshot's restore (another attempt took the name
        // meanwhile): its success is not this snapshot's, and the pod is left to it.
        if (restorePodSha256(finished) !== plan.source.sha256) {
          throw ApplicationFailure.retryable(`restore of ${plan.member}: pod ${name} now restores another snapshot`, 'RestorePodReplaced');
        }
      }
      const claim = claimOf(key, plan.member);
      await kube.mergePatch(claim, { metadata: { ...claim.metadata, annotations: { [RESTORED_ANNOTATION]: plan.source.sha256 } } });
      await deleteHelperPod(kube, key.namespace, name, { wait: false });
      return 'restored';
    },
  };
}

/** The access part of a destination (the prefix belongs to writing, not reading). */
function stripPrefix(d: S3Access & { prefix?: string }): S3Access {
  const { prefix: _p, ...access } = d;
  return access;
}

/**
 * What a restore pod fed from S3 takes: the object's length on a first line, then the object,
 * hashed on the way. The last chunk is held back until the hash matched: an object replaced or
 * damaged since it was verified ends the stream short, which the pod's length check refuses.
 */
export async function* verifiedStream(body: AsyncIterable<Buffer>, length: number | undefined, source: Pick<RestoreSource, 'location' | 'sha256'>): AsyncGenerator<Buffer> {
  if (length === undefined) throw ApplicationFailure.retryable(`${source.location}: the S3 server did not say the object's length`, 'S3NoLength');
  yield Buffer.from(`${length}\n`);
  const hash = createHash('sha256');
  let held: Buffer | undefined;
  let size = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
    if (held) yield held;
    held = chunk;
  }
  const got = hash.digest('hex');
  if (got !== source.sha256 || size !== length) {
    throw ApplicationFailure.nonRetryable(`snapshot ${source.location} is corrupt or truncated (it changed after it was verified): sha256 ${got} (${size} of ${length} bytes), expected ${source.sha256}`, 'ChecksumMismatch');
  }
  if (held) yield held;
}
