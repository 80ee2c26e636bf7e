// Backup activities: stream a snapshot to its destination, delete a stored one, and the EtcdBackup
// bookkeeping (status, finalizer, Events). Credentials are read here from their Secret.
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { FINALIZER } from '../k8s/api.ts';
import type { Destination, EtcdBackupStatus } from '../k8s/backup-spec.ts';
import { fileRemoverPod, snapshotReceiverPod } from '../k8s/manifests/backup-pods.ts';
import type { BackupKey, ClusterKey, SnapshotInfo } from '../workflows/types.ts';
import { deleteObject, s3ClientFor, s3Location, uploadStream, parseS3Location } from './backup-s3.ts';
import { openSnapshot, pickSnapshotMember } from './etcd-snapshot.ts';
import { deleteHelperPod, ensurePod, pushToPod, waitPodDone } from './helper-pods.ts';
import { BACKUP_LABELS, backupRef, getBackup, patchBackup, resolveBackup } from './kube-backups.ts';
import type { Kube } from './kube-client.ts';
import { eventAbout, type EventInput } from './kube-status.ts';

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
      const b = await resolveBackup(kube, key);
      if (!b) throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} is gone`, 'BackupGone');
      const cluster = await clusterOf(kube, key, b.clusterName);
      const source = await pickSnapshotMember(kube, cluster);
      const location = locationFor(b.destination, snapshotFileName(key, cluster.name));
      if (!location) throw ApplicationFailure.nonRetryable(`EtcdBackup ${key.namespace}/${key.name} has no destination`, 'NoDestination');
      const beat = (sent: number) => heartbeat({ member: source.member, sentBytes: sent });
      const snap = await openSnapshot(source, beat);
      const cancel = () => snap.close();
      Context.current().cancellationSignal.addEventListener('abort', cancel);
      try {
        const s3loc = parseS3Location(location);
        if (s3loc) {
          const s3 = await s3ClientFor(kube, key.namespace, b.destination.s3!);
          try {
            await uploadStream(s3, s3loc.bucket, s3loc.key, snap.bytes);
          } finally {
            s3.destroy();
          }
        } else {
          const { claimName, file } = parsePvcLocation(location)!;
          const name = helperPodName(key, 'receive');
          // A receiver from an earlier attempt may hold half a stream: start from a fresh one.
          await deleteHelperPod(kube, key.namespace, name);
          await ensurePod(kube, snapshotReceiverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName, file, toolsImage }));
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
        return { location, sizeBytes, sha256, revision: snap.revision() ?? source.revision, etcdVersion: source.version, member: source.member };
      } finally {
        Context.current().cancellationSignal.removeEventListener('abort', cancel);
        snap.close();
      }
    },

    /**
     * Where this backup's snapshot is or would be: the recorded location, else the one its destination
     * fixes (a backup deleted while it ran may have stored it without recording it).
     */
    async snapshotLocation(key: BackupKey): Promise<string | undefined> {
      const b = await resolveBackup(kube, key);
      if (!b) return undefined;
      return b.status.location ?? locationFor(b.destination, snapshotFileName(key, b.clusterName));
    },

    /** Deletes the stored snapshot of a backup; one already gone is success. */
    async deleteStoredSnapshot(key: BackupKey, location: string): Promise<void> {
      const s3loc = parseS3Location(location);
      if (s3loc) {
        const b = await resolveBackup(kube, key);
        const access = b?.destination.s3;
        if (!access) throw ApplicationFailure.nonRetryable(`cannot delete ${location}: the backup names no S3 credentials`, 'NoDestination');
        const s3 = await s3ClientFor(kube, key.namespace, access);
        try {
          await deleteObject(s3, s3loc.bucket, s3loc.key);
        } finally {
          s3.destroy();
        }
        return;
      }
      const pvc = parsePvcLocation(location);
      if (!pvc) throw ApplicationFailure.nonRetryable(`unknown snapshot location ${location}`, 'BadLocation');
      const name = helperPodName(key, 'delete');
      await ensurePod(kube, fileRemoverPod({ namespace: key.namespace, name, owner: backupRef(key), claimName: pvc.claimName, file: pvc.file, toolsImage }));
      await waitPodDone(kube, key.namespace, name, 'snapshot removal');
      await deleteHelperPod(kube, key.namespace, name);
    },
  };
}
