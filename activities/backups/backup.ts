// Backup activities: stream a snapshot to its destination, delete a stored one, and the EtcdBackup
// bookkeeping (status, finalizer, Events). Credentials are read here from their Secret.
import type { V1ObjectMeta, V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { ETCD_CLUSTER, FINALIZER, GROUP, LABELS, VERSION } from '../../k8s/api.ts';
import { EtcdBackupSpecSchema, type Destination, type EtcdBackupSpec, type EtcdBackupStatus } from '../../k8s/backup-spec.ts';
import { fileRemoverPod, snapshotReceiverPod, transferPathFor } from '../../k8s/manifests/backup-pods.ts';
import type { BackupKey, ClusterKey, SnapshotInfo } from '../../domain/types.ts';
import { deleteObject, s3ClientFor, s3Location, uploadSnapshot, parseS3Location } from './s3.ts';
import { openSnapshot, pickSnapshotMember } from '../etcd/snapshot.ts';
import { deleteHelperPod, ensurePod, pushToPod, waitPodDone } from './helper-pods.ts';
import { backupRef, patchBackup, resolveBackup } from './objects.ts';
import { BACKUP_LABELS, getBackup } from '../../k8s/backup-objects.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { eventAbout, type EventInput } from '../../k8s/events.ts';
import { logSideEffect } from '../side-effects.ts';

export interface BackupDeps { kube: Kube; toolsImage: string; now: () => Date }

const shortUid = (uid: string) => uid.slice(0, 8);
/** Deterministic per backup: a retry writes the same object, so one backup never leaves two. */
export const snapshotFileName = (key: BackupKey, cluster: string) => `${key.namespace}/${cluster}/${key.name}-${shortUid(key.uid)}.db`;
const joinPath = (...parts: (string | undefined)[]) => parts.filter(Boolean).map((p) => p!.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/');
export const pvcLocation = (claim: string, file: string) => `pvc://${claim}/${file}`;
export function parsePvcLocation(location: string): { claimName: string; file: string } | undefined {
  const m = /^pvc:\/\/([^/]+)\/(.+)$/.exec(location);
  return m ? { claimName: m[1]!, file: m[2]! } : undefined;
}
const helperPodName = (key: BackupKey, what: string) => `etcdbackup-${shortUid(key.uid)}-${what}`;

/** Where a backup's file goes at this destination: `s3://bucket/<prefix><file>` or `pvc://claim/<path>/<file>`. */
export function locationFor(destination: Destination, file: string): string | undefined {
  if (destination.s3) return s3Location(destination.s3.bucket, joinPath(destination.s3.prefix, file));
  if (destination.pvc) return pvcLocation(destination.pvc.claimName, joinPath(destination.pvc.path, file));
  return undefined;
}

/**
 * Where this backup's own spec and uid put its snapshot: `locationFor(spec.destination, file of
 * <namespace>/<clusterName>/<name>-<uid>)`, exactly as takeSnapshot writes it. The only location
 * deleting the backup may touch: status can be written by anyone allowed to patch the status
 * subresource, so a status.location that differs is never trusted. Undefined without spec.destination
 * (backups made before the operator recorded the default it used in the spec).
 */
export function ownLocation(key: BackupKey, spec: Pick<EtcdBackupSpec, 'clusterName' | 'destination'>): string | undefined {
  return spec.destination && locationFor(spec.destination, snapshotFileName(key, spec.clusterName));
}

/** Whether a backup's stored location may be deleted with it: undefined when it may, else why not. */
export function deletionRefusal(key: BackupKey, spec: Pick<EtcdBackupSpec, 'clusterName' | 'destination'>, location: string): string | undefined {
  const own = ownLocation(key, spec);
  if (!own) return `EtcdBackup ${key.namespace}/${key.name} has no spec.destination, so where its snapshot is cannot be derived from its spec and uid: the stored data is left as it is`;
  if (location !== own) return `status.location ${location} is not where this backup's spec and uid put its snapshot (${own}): refusing to delete it, the stored data is left as it is`;
  return undefined;
}

/** The name of the member volume `data-<cluster>-<index>` for one of these clusters, if it is one. */
const memberVolumeName = (claimName: string, clusters: readonly string[]): string | undefined => {
  const m = /^data-(.+)-(\d+)$/.exec(claimName);
  return m && clusters.includes(m[1]!) ? `${m[1]}-${m[2]}` : undefined;
};

/**
 * Why a PersistentVolumeClaim is an etcd member's data volume (of any cluster, kept or set aside
 * ones included), or undefined when it is not: a member label, a cluster-uid label, an EtcdCluster
 * owner, or the name of a member volume of an EtcdCluster of its namespace. A backup is never
 * written there (nor a file deleted from there).
 */
export function memberVolumeOf(meta: V1ObjectMeta | undefined, clustersInNamespace: readonly string[] = []): string | undefined {
  const labels = meta?.labels ?? {};
  const cluster = labels[LABELS.cluster] ?? meta?.ownerReferences?.find((o) => o.kind === ETCD_CLUSTER.kind && o.apiVersion.startsWith(`${GROUP}/`))?.name;
  const of = cluster ? ` of EtcdCluster ${cluster}` : '';
  if (labels[LABELS.member]) return `the data volume of etcd member ${labels[LABELS.member]}${of}`;
  if (labels[LABELS.clusterUid] || cluster) return `a data volume${of || ' of an EtcdCluster'}`;
  const member = memberVolumeName(meta?.name ?? '', clustersInNamespace);
  return member ? `named as the data volume of etcd member ${member} of EtcdCluster ${member.replace(/-\d+$/, '')}` : undefined;
}

/**
 * The destination claim, or undefined when it does not exist; a claim that is an etcd member's data
 * volume is refused (non-retryable, nothing written or deleted there).
 */
async function destinationClaim(kube: Kube, namespace: string, claimName: string): Promise<V1PersistentVolumeClaim | undefined> {
  const claim = await kube.read<V1PersistentVolumeClaim>({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace, name: claimName } });
  if (!claim) return undefined;
  const clusters = await kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural }) as { items: { metadata: V1ObjectMeta }[] };
  const why = memberVolumeOf(claim.metadata, clusters.items.map((c) => c.metadata.name!));
  if (why) {
    throw ApplicationFailure.nonRetryable(`the destination PersistentVolumeClaim ${namespace}/${claimName} is ${why}: a backup is never written onto an etcd member's volume (it would be lost with that member, and take the space the member needs); use a PersistentVolumeClaim of its own`, 'MemberVolume');
  }
  return claim;
}

/** The backup's spec as written (validated), without the cluster's default filled in. */
async function ownSpec(kube: Kube, key: BackupKey): Promise<EtcdBackupSpec | undefined> {
  const obj = await getBackup(kube, key);
  if (!obj) return undefined;
  const parsed = EtcdBackupSpecSchema.safeParse(obj.spec ?? {});
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid EtcdBackup spec: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidSpec');
  return parsed.data;
}

/** The cluster an EtcdBackup names, by name in the backup's namespace: a permanent failure when it does not exist. */
async function clusterOf(kube: Kube, key: BackupKey, clusterName: string): Promise<ClusterKey> {
  const c = await kube.getCluster(key.namespace, clusterName);
  if (!c?.metadata.uid) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${clusterName} does not exist`, 'ClusterNotFound');
  return { namespace: key.namespace, name: clusterName, uid: c.metadata.uid };
}

export function backupActivities({ kube, toolsImage, now }: BackupDeps) {
  const rfc3339 = () => now().toISOString().replace(/\.\d{3}Z$/, 'Z');

  return {
    /** The backup's cluster and whether it is done already (a retried workflow skips a finished backup). */
    async readBackup(key: BackupKey): Promise<{ cluster: ClusterKey; phase?: string; deleting: boolean; retainOnDelete: boolean; location?: string } | undefined> {
      const b = await resolveBackup(kube, key);
      if (!b) return undefined;
      // Record the destination in use: the snapshot can be deleted even after the cluster (and its default) is gone.
      if (!b.status.destination && !b.deleting) await patchBackup(kube, key, { status: { destination: b.destination } }, true);
      // The cluster's default becomes the backup's own spec.destination (set once, then immutable): the
      // spec, not the status, says where its snapshot is when the backup is deleted.
      if (!b.deleting && !(await ownSpec(kube, key))?.destination) await patchBackup(kube, key, { spec: { destination: b.destination } });
      if (b.deleting) return { cluster: { namespace: key.namespace, name: b.clusterName, uid: '' }, phase: b.status.phase, deleting: true, retainOnDelete: b.retainOnDelete, location: b.status.location };
      const cluster = await clusterOf(kube, key, b.clusterName);
      // Labelled with the cluster's uid: restores and retention pick backups of this cluster, not of a namesake.
      if (b.labels[BACKUP_LABELS.clusterUid] !== cluster.uid) {
        await patchBackup(kube, key, { metadata: { labels: { [BACKUP_LABELS.cluster]: cluster.name, [BACKUP_LABELS.clusterUid]: cluster.uid } } });
      }
      return { cluster, phase: b.status.phase, deleting: false, retainOnDelete: b.retainOnDelete, location: b.status.location };
    },

    async ensureBackupFinalizer(key: BackupKey): Promise<void> {
      const obj = await getBackup(kube, key);
      if (!obj || obj.metadata.deletionTimestamp || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await patchBackup(kube, key, { metadata: { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER], resourceVersion: obj.metadata.resourceVersion } });
    },

    async removeBackupFinalizer(key: BackupKey): Promise<void> {
      const obj = await getBackup(kube, key);
      if (!obj?.metadata.finalizers?.includes(FINALIZER)) return;
      await patchBackup(kube, key, { metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion } });
    },

    /** Sets status fields; the Succeeded condition follows the phase. */
    async reportBackup(key: BackupKey, status: Omit<EtcdBackupStatus, 'conditions'> & { message?: string }): Promise<void> {
      const obj = await getBackup(kube, key);
      if (!obj) return;
      const { message, ...fields } = status;
      const cond = status.phase && {
        type: 'Succeeded' as const,
        status: status.phase === 'Succeeded' ? 'True' : status.phase === 'Failed' ? 'False' : 'Unknown',
        reason: status.phase === 'Succeeded' ? 'SnapshotStored' : status.phase === 'Failed' ? 'BackupFailed' : 'BackupRunning',
        ...(message && { message }),
        lastTransitionTime: rfc3339(),
      };
      await patchBackup(kube, key, { status: { ...fields, ...(status.phase === 'Running' && !obj.status?.startedAt && { startedAt: rfc3339() }), ...((status.phase === 'Succeeded' || status.phase === 'Failed') && { completedAt: rfc3339() }), ...(cond && { conditions: [cond] }) } }, true);
    },

    async recordBackupEvent(key: BackupKey, e: EventInput): Promise<void> {
      await kube.createEvent(eventAbout({ ...backupRef(key), namespace: key.namespace }, e, now()));
    },

    /**
     * Streams a snapshot from the member with the highest revision to the backup's destination,
     * heartbeating the bytes sent. S3: one multipart upload to a key fixed per backup. PVC: into a
     * receiver pod that mounts the claim; the SHA-256 it computes must equal ours.
     */
    async takeSnapshot(key: BackupKey): Promise<SnapshotInfo> {
      heartbeat({ step: 'choosing a member' }); // before the reads, not only once bytes flow (see restoreMemberVolume)
      const b = await resolveBackup(kube, key);
      if (!b) throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} is gone`, 'BackupGone');
      const cluster = await clusterOf(kube, key, b.clusterName);
      const location = locationFor(b.destination, snapshotFileName(key, cluster.name));
      if (!location) throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} has no destination`, 'NoDestination');
      if (b.destination.pvc && !(await destinationClaim(kube, key.namespace, b.destination.pvc.claimName))) {
        throw ApplicationFailure.nonRetryable(`the destination PersistentVolumeClaim ${key.namespace}/${b.destination.pvc.claimName} does not exist`, 'ClaimNotFound');
      }
      const source = await pickSnapshotMember(kube, cluster);
      const beat = (sent: number) => heartbeat({ member: source.member, sentBytes: sent });
      const snap = await openSnapshot(source, beat);
      const cancel = () => snap.close();
      Context.current().cancellationSignal.addEventListener('abort', cancel);
      try {
        const s3loc = parseS3Location(location);
        if (s3loc) {
          const access = b.destination.s3!;
          await uploadSnapshot(access, (payload) => s3ClientFor(kube, key.namespace, access, payload), s3loc.bucket, s3loc.key, snap.bytes);
        } else {
          const { claimName, file } = parsePvcLocation(location)!;
          const name = helperPodName(key, 'receive');
          // A receiver from an earlier attempt may hold half a stream: start from a fresh one.
          await deleteHelperPod(kube, key.namespace, name);
          await ensurePod(kube, snapshotReceiverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName, file, toolsImage, transfer: transferPathFor(Boolean(source.creds.tls)) }));
          await pushToPod(kube, key.namespace, name, snap.bytes, 'snapshot receiver');
          const pod = await waitPodDone(kube, key.namespace, name, 'snapshot receiver');
          const [theirSha, theirSize] = (pod.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '').trim().split(' ');
          const ours = snap.digest();
          await deleteHelperPod(kube, key.namespace, name);
          if (theirSha !== ours.sha256 || Number(theirSize) !== ours.sizeBytes) {
            throw ApplicationFailure.retryable(`the volume received ${theirSize ?? '?'} bytes with sha256 ${theirSha ?? '?'}, sent ${ours.sizeBytes} bytes with sha256 ${ours.sha256}`, 'SnapshotMismatch');
          }
        }
        const { sizeBytes, sha256 } = snap.digest();
        if (!sizeBytes) throw ApplicationFailure.retryable('the snapshot stream was empty', 'EmptySnapshot');
        const revision = snap.revision();
        if (revision && revision < source.revision) {
          throw ApplicationFailure.retryable(`the snapshot of ${source.member} holds revision ${revision}, older than the revision ${source.revision} it read in quorum before`, 'StaleSnapshot');
        }
        logSideEffect('stored a snapshot', { name: b.clusterName, namespace: key.namespace }, { backup: key.name, location, sizeBytes, sha256, revision: snap.revision() ?? source.revision, member: source.member });
        return { location, sizeBytes, sha256, revision: snap.revision() ?? source.revision, etcdVersion: source.version, member: source.member };
      } finally {
        Context.current().cancellationSignal.removeEventListener('abort', cancel);
        snap.close();
      }
    },

    /**
     * Where this backup's snapshot is or would be: the recorded location, else the one its own spec
     * and uid fix (a backup deleted while it ran may have stored it without recording it).
     */
    async snapshotLocation(key: BackupKey): Promise<string | undefined> {
      const b = await resolveBackup(kube, key);
      const spec = b && await ownSpec(kube, key);
      if (!b || !spec) return undefined;
      return b.status.location ?? ownLocation(key, spec);
    },

    /**
     * Deletes the stored snapshot of a backup; one already gone is success. Only the location its own
     * spec and uid derive (ownLocation): any other is refused (non-retryable, the reason in the
     * message), and nothing stored is touched.
     */
    async deleteStoredSnapshot(key: BackupKey, location: string): Promise<void> {
      const spec = await ownSpec(kube, key);
      if (!spec) return;
      const refused = deletionRefusal(key, spec, location);
      if (refused) throw ApplicationFailure.nonRetryable(refused, 'LocationMismatch');
      const s3loc = parseS3Location(location);
      if (s3loc) {
        const s3 = await s3ClientFor(kube, key.namespace, spec.destination!.s3!);
        try {
          await deleteObject(s3, s3loc.bucket, s3loc.key);
        } finally {
          s3.destroy();
        }
        return;
      }
      const pvc = parsePvcLocation(location);
      if (!pvc) throw ApplicationFailure.nonRetryable(`unknown snapshot location ${location}`, 'BadLocation');
      // A claim that is gone holds nothing to delete.
      if (!(await destinationClaim(kube, key.namespace, pvc.claimName))) return;
      const name = helperPodName(key, 'delete');
      await ensurePod(kube, fileRemoverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName: pvc.claimName, file: pvc.file, toolsImage }));
      await waitPodDone(kube, key.namespace, name, 'snapshot removal');
      await deleteHelperPod(kube, key.namespace, name);
    },
  };
}
