// Short-lived helper pods: for backup and restore (the only way to read or write a PVC is to mount
// it), and to check that a new etcd image can be pulled before a rolling upgrade touches a member. Each runs once (restartPolicy Never) and reports through its termination message. Shell
// steps run in a small tools image (busybox); etcdutl runs from the cluster's own etcd image
// without a shell (release images have none). Values reach the scripts as env vars, never spliced
// into the script text.
import type { V1Container, V1OwnerReference, V1Pod, V1Toleration, V1Volume } from '@kubernetes/client-node';
import { GROUP, LABELS, MANAGED_BY } from '../api.ts';
import { DATA_DIR, DATA_MOUNT_PATH, DATA_VOLUME } from './member-pod.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

/** The port a helper pod receives a snapshot stream on (a one-shot `nc -l`). */
export const HELPER_PORT = 2390;
export const BACKUP_MOUNT = '/backup';
export const HELPER_LABEL = `${GROUP}/helper`;
const RESTORE_FILE = `${DATA_MOUNT_PATH}/restore.db`;

const helperMeta = (namespace: string, name: string, role: string, owner: V1OwnerReference) => ({
  name,
  namespace,
  // Not the member labels: a helper pod must never look like a member to Services or the observer.
  labels: { [LABELS.managedBy]: MANAGED_BY, [HELPER_LABEL]: role },
  ownerReferences: [owner],
});

const shell = (name: string, image: string, script: string, env: Record<string, string>, mounts: V1Container['volumeMounts']): V1Container => ({
  name,
  image,
  imagePullPolicy: 'IfNotPresent',
  command: ['/bin/sh', '-c', script],
  env: Object.entries(env).map(([n, value]) => ({ name: n, value })),
  volumeMounts: mounts,
  securityContext: containerSecurityContext(),
  terminationMessagePolicy: 'FallbackToLogsOnError',
});

const podOf = (meta: ReturnType<typeof helperMeta>, spec: { initContainers?: V1Container[]; containers: V1Container[]; volumes: V1Volume[]; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[] }): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: meta,
  spec: { restartPolicy: 'Never', enableServiceLinks: false, automountServiceAccountToken: false, securityContext: podSecurityContext(), terminationGracePeriodSeconds: 5, ...spec },
});

const claimVolume = (name: string, claimName: string, readOnly = false): V1Volume => ({ name, persistentVolumeClaim: { claimName, readOnly } });

/** A helper pod that works on one file of a backup volume. */
export interface VolumeFilePodInput {
  namespace: string;
  name: string;
  owner: V1OwnerReference;
  claimName: string;
  /** File path relative to the volume root. */
  file: string;
  toolsImage: string;
}

/**
 * Receives one snapshot stream on HELPER_PORT into `file` on the claim, then reports
 * "<sha256> <bytes>" as its termination message. It writes to `<file>.part` and renames only
 * after the stream ended, so the final name never holds a half-written file.
 */
export function snapshotReceiverPod(i: VolumeFilePodInput): V1Pod {
  const script = [
    'set -eu',
    'f="$BACKUP_MOUNT/$FILE"',
    'mkdir -p "$(dirname "$f")"',
    // -e: the socket is cat's stdin; a plain `nc -l` quits at once on the container's empty stdin.
    'nc -l -p "$PORT" -e sh -c \'cat > "$0"\' "$f.part"',
    'echo "$(sha256sum "$f.part" | cut -d" " -f1) $(wc -c < "$f.part")" > /dev/termination-log',
    'mv "$f.part" "$f"',
  ].join('\n');
  return podOf(helperMeta(i.namespace, i.name, 'backup', i.owner), {
    containers: [{
      ...shell('receive', i.toolsImage, script, { BACKUP_MOUNT, FILE: i.file, PORT: String(HELPER_PORT) }, [{ name: 'backup', mountPath: BACKUP_MOUNT }]),
      ports: [{ name: 'snapshot', containerPort: HELPER_PORT, protocol: 'TCP' }],
    }],
    volumes: [claimVolume('backup', i.claimName)],
  });
}

/** Deletes one stored snapshot file (and a leftover `.part`) from a claim. */
export function fileRemoverPod(i: VolumeFilePodInput): V1Pod {
  return podOf(helperMeta(i.namespace, i.name, 'backup-delete', i.owner), {
    containers: [shell('remove', i.toolsImage, 'rm -f "$BACKUP_MOUNT/$FILE" "$BACKUP_MOUNT/$FILE.part"', { BACKUP_MOUNT, FILE: i.file }, [{ name: 'backup', mountPath: BACKUP_MOUNT }])],
    volumes: [claimVolume('backup', i.claimName)],
  });
}

export interface RestorePodInput {
  namespace: string;
  name: string;
  owner: V1OwnerReference;
  /** The member's data claim the snapshot is restored onto. */
  dataClaim: string;
  /** Where the snapshot comes from: streamed in on HELPER_PORT, or a file on a backup claim. */
  source: { stream: true } | { claimName: string; file: string };
  sha256: string;
  toolsImage: string;
  etcdImage: string;
  /** etcdutl snapshot restore flags naming the member and its initial cluster. */
  member: { name: string; initialCluster: string; token: string; peerURL: string };
}

/**
 * Restores one member's data directory from a snapshot: fetch (stream or copy) -> verify SHA-256
 * -> `etcdutl snapshot restore` of the cluster's own version -> drop the copy. The data directory is
 * cleared first: a restore pod only runs on a volume the workflow has not marked restored yet.
 */
export function restorePod(i: RestorePodInput): V1Pod {
  const fetch = 'stream' in i.source ? 'nc -l -p "$PORT" -e sh -c \'cat > "$0"\' "$SNAPSHOT"' : 'cp "$BACKUP_MOUNT/$FILE" "$SNAPSHOT"';
  const script = [
    'set -eu',
    'rm -rf "$DATA_DIR" "$SNAPSHOT"',
    fetch,
    'got=$(sha256sum "$SNAPSHOT" | cut -d" " -f1)',
    'if [ "$got" != "$SHA256" ]; then echo "snapshot sha256 mismatch: expected $SHA256, got $got ($(wc -c < "$SNAPSHOT") bytes)" > /dev/termination-log; exit 3; fi',
  ].join('\n');
  const dataMount = [{ name: DATA_VOLUME, mountPath: DATA_MOUNT_PATH }];
  const env = { DATA_DIR, SNAPSHOT: RESTORE_FILE, SHA256: i.sha256, PORT: String(HELPER_PORT), BACKUP_MOUNT, ...('file' in i.source && { FILE: i.source.file }) };
  const fetchContainer: V1Container = {
    ...shell('fetch', i.toolsImage, script, env, 'claimName' in i.source ? [...dataMount, { name: 'backup', mountPath: BACKUP_MOUNT, readOnly: true }] : dataMount),
    ...('stream' in i.source && { ports: [{ name: 'snapshot', containerPort: HELPER_PORT, protocol: 'TCP' }] }),
  };
  return podOf(helperMeta(i.namespace, i.name, 'restore', i.owner), {
    initContainers: [
      fetchContainer,
      {
        name: 'restore',
        image: i.etcdImage,
        imagePullPolicy: 'IfNotPresent',
        command: [
          '/usr/local/bin/etcdutl', 'snapshot', 'restore', RESTORE_FILE,
          `--data-dir=${DATA_DIR}`,
          `--name=${i.member.name}`,
          `--initial-cluster=${i.member.initialCluster}`,
          `--initial-cluster-token=${i.member.token}`,
          `--initial-advertise-peer-urls=${i.member.peerURL}`,
        ],
        volumeMounts: dataMount,
        securityContext: containerSecurityContext(),
        terminationMessagePolicy: 'FallbackToLogsOnError',
      },
    ],
    containers: [shell('cleanup', i.toolsImage, 'rm -f "$SNAPSHOT"', { SNAPSHOT: RESTORE_FILE }, dataMount)],
    volumes: [claimVolume(DATA_VOLUME, i.dataClaim), ...('claimName' in i.source ? [claimVolume('backup', i.source.claimName, true)] : [])],
  });
}

/** Pulls a new etcd image and runs `etcd --version` where the members may run (their nodeSelector and tolerations). */
export function imageCheckPod(i: { namespace: string; name: string; owner: V1OwnerReference; image: string; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[] }): V1Pod {
  return podOf(helperMeta(i.namespace, i.name, 'image-check', i.owner), {
    containers: [{ name: 'etcd', image: i.image, imagePullPolicy: 'IfNotPresent', command: ['/usr/local/bin/etcd', '--version'], securityContext: containerSecurityContext(), terminationMessagePolicy: 'FallbackToLogsOnError' }],
    volumes: [],
    ...(i.nodeSelector && { nodeSelector: i.nodeSelector }),
    ...(i.tolerations && { tolerations: i.tolerations }),
  });
}
