// Short-lived helper pods: for backup and restore (the only way to read or write a PVC is to mount
// it), and to check that a new etcd image can be pulled before a rolling upgrade touches a member.
// Each runs once (restartPolicy Never) and reports through its termination message. Shell steps run
// in a small tools image (busybox); etcdutl runs from the cluster's own etcd image without a shell
// (release images have none). Values reach the scripts as env vars, never spliced into the script.
//
// A pod that receives a snapshot stream (the backup receiver, a restore pod fed from S3) takes it
// only from the operator: its first line must be the per-transfer token of the pod's Secret
// `<pod>-transfer`, mounted into the pod; the pod answers "ok" and only then takes bytes. The stream
// comes the way the pod's `transfer` annotation says: for a cluster without TLS straight over the
// pod network (the cluster's own data crosses it in clear anyway; 256 MiB went into a running
// receiver in 2.0-2.2 s, 3.5-3.6 s through port-forward, on two cores), for a TLS cluster through
// the API server's port-forward (TLS to the API server and on to the kubelet, then the
// pod's own loopback: never the pod network in clear). A NetworkPolicy
// `<pod>-transfer` isolates the pod where the CNI enforces policies: no egress, and no ingress but
// the transfer port when the stream comes over the pod network.
import type { V1Container, V1NetworkPolicy, V1OwnerReference, V1Pod, V1Secret, V1Toleration, V1Volume } from '@kubernetes/client-node';
import { GROUP, LABELS, MANAGED_BY } from '../api.ts';
import { DATA_DIR, DATA_MOUNT_PATH, DATA_VOLUME } from './member-pod.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

/** The port a helper pod receives a snapshot stream on (`nc -l`). */
export const HELPER_PORT = 2390;
export const BACKUP_MOUNT = '/backup';
export const HELPER_LABEL = `${GROUP}/helper`;
/** The helper pod's own name: what its NetworkPolicy selects. */
export const HELPER_POD_LABEL = `${GROUP}/helper-pod`;
/** Where a restore pod keeps the snapshot until etcdutl restored it: an emptyDir, gone with the pod. */
const SCRATCH_MOUNT = '/scratch';
const SCRATCH_VOLUME = 'scratch';
const RESTORE_FILE = `${SCRATCH_MOUNT}/restore.db`;
const TRANSFER_MOUNT = '/transfer';
const TRANSFER_VOLUME = 'transfer';
/** Key of the token in the transfer Secret. */
export const TRANSFER_TOKEN_KEY = 'token';
/** How many connections without the token a receiver turns away before it gives up. */
const MAX_REFUSED = 10;

/**
 * How a stream reaches a receiving pod: `pod-network`, a TCP connection to the pod's IP; or
 * `port-forward`, through the API server (the pod's loopback). Recorded on the pod, so every attempt
 * of a transfer, and the pod's NetworkPolicy, go the way the pod was made for.
 */
export type TransferPath = 'pod-network' | 'port-forward';
export const TRANSFER_ANNOTATION = `${GROUP}/transfer`;

/** A cluster's snapshots cross the pod network only when its own traffic does in clear (no TLS). */
export const transferPathFor = (clusterTls: boolean): TransferPath => (clusterTls ? 'port-forward' : 'pod-network');

/** The path a receiving pod was made for; port-forward for one made before the annotation existed. */
export const transferPathOf = (pod: V1Pod): TransferPath =>
  pod.metadata?.annotations?.[TRANSFER_ANNOTATION] === 'pod-network' ? 'pod-network' : 'port-forward';

/** The Secret holding a receiving pod's per-transfer token (and the name of its NetworkPolicy). */
export const transferSecretName = (pod: string): string => `${pod}-transfer`;

const helperMeta = (namespace: string, name: string, role: string, owner: V1OwnerReference, transfer?: TransferPath) => ({
  name,
  namespace,
  // Not the member labels: a helper pod must never look like a member to Services or the observer.
  labels: { [LABELS.managedBy]: MANAGED_BY, [HELPER_LABEL]: role, [HELPER_POD_LABEL]: name },
  ...(transfer && { annotations: { [TRANSFER_ANNOTATION]: transfer } }),
  ownerReferences: [owner],
});

/**
 * Shell function `NAME FILE`: takes one stream into FILE from whoever presents the token first (the
 * operator: the token is in the pod's Secret and the operator's activity, nowhere else), then runs
 * `take` on the rest of the stream ($0 is FILE). A connection without the token is closed before
 * any byte is written, and the listener waits for the next (at most MAX_REFUSED times). Runs under
 * `set -eu`; pipefail: a write that fails (a full volume) fails the transfer.
 */
const receiver = (name: string, take: string) => [
  `${name}() {`,
  '  refused=0',
  // -e: the socket is the program's stdin and stdout; its exit code is nc's. 9: no (or a wrong) token.
  `  until nc -l -p "$PORT" -e sh -c 'IFS= read -r -t 30 t && [ "$t" = "$(cat "$TOKEN_FILE")" ] || exit 9; echo ok; set -o pipefail; ${take}' "$1"; do`,
  '    rc=$?',
  '    [ "$rc" -eq 9 ] || return "$rc"',
  '    refused=$((refused + 1))',
  '    echo "turned away a connection without the transfer token ($refused)" >&2',
  `    if [ "$refused" -ge ${MAX_REFUSED} ]; then echo "turned away $refused connections without the transfer token" > /dev/termination-log; return 9; fi`,
  '  done',
  '}',
].join('\n');

/**
 * `receive FILE`: the stream into FILE and its SHA-256 into FILE.sha256 as it arrives (busybox
 * hashes at ~100 MiB/s, so hashing after the transfer added 3 s to a 330 MiB restore).
 */
const RECEIVE = receiver('receive', 'tee "$0" | sha256sum > "$0.sha256"');

/**
 * `receive_sized FILE`: a first line with the stream's length into FILE.size, then that many bytes
 * into FILE, unhashed. For a restore from S3: the operator hashes what it sends and holds back the
 * last bytes until the hash matched, so a short file is the only way a bad stream can land, and the
 * length check catches it (etcdutl checks the snapshot's own SHA-256 too). Hashing in busybox as
 * well took a third of the transfer's rate on two cores. Taking exactly the length ends the step
 * with the last byte: the end of a port-forward stream reaches the pod a second after it closed.
 * `dd` in 1 MiB blocks, not `head -c`: busybox's head copies in small reads and took a full core
 * for 256 MiB in 1.2 s (dd: 0.3 s), which bounded the transfer.
 */
const RECEIVE_SIZED = receiver('receive_sized', 'IFS= read -r -t 30 n; echo "$n" > "$0.size"; case "$n" in ""|*[!0-9]*) exit 3;; esac; dd bs=1M iflag=fullblock,count_bytes count="$n" of="$0"');

/** A file's size in bytes, from its metadata: busybox's `wc -c` reads the whole file (1.7 s for 256 MiB). */
const sizeOf = (file: string) => `$(stat -c %s "${file}")`;

/** What a receiving container needs: the token file and the port, as env vars. */
const receiveEnv = { PORT: String(HELPER_PORT), TOKEN_FILE: `${TRANSFER_MOUNT}/${TRANSFER_TOKEN_KEY}` };
const transferMount = { name: TRANSFER_VOLUME, mountPath: TRANSFER_MOUNT, readOnly: true };
const transferVolume = (pod: string): V1Volume => ({ name: TRANSFER_VOLUME, secret: { secretName: transferSecretName(pod), defaultMode: 0o440 } });

/** The name of the transfer Secret a pod mounts, if it receives a stream. */
export const transferSecretOf = (pod: V1Pod): string | undefined =>
  pod.spec?.volumes?.find((v) => v.name === TRANSFER_VOLUME)?.secret?.secretName;

/** The per-transfer token of a receiving pod, owned like the pod (garbage-collected with its owner). */
export function transferSecret(pod: V1Pod, token: string): V1Secret {
  const meta = pod.metadata!;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: transferSecretName(meta.name!), namespace: meta.namespace, labels: { [LABELS.managedBy]: MANAGED_BY, [HELPER_LABEL]: 'transfer' }, ownerReferences: meta.ownerReferences },
    type: 'Opaque',
    data: { [TRANSFER_TOKEN_KEY]: Buffer.from(token).toString('base64') },
  };
}

/**
 * Isolates a receiving pod: no egress, and no ingress but the transfer port when the stream comes
 * over the pod network (from the operator, wherever it runs; the token keeps out anyone else). A
 * stream through port-forward arrives on the pod's loopback, which policies do not govern. Enforced
 * only where the CNI plugin enforces policies.
 */
export function transferNetworkPolicy(pod: V1Pod): V1NetworkPolicy {
  const meta = pod.metadata!;
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: transferSecretName(meta.name!), namespace: meta.namespace, labels: { [LABELS.managedBy]: MANAGED_BY, [HELPER_LABEL]: 'transfer' }, ownerReferences: meta.ownerReferences },
    spec: {
      podSelector: { matchLabels: { [HELPER_POD_LABEL]: meta.name! } },
      policyTypes: ['Ingress', 'Egress'],
      ...(transferPathOf(pod) === 'pod-network' && { ingress: [{ ports: [{ protocol: 'TCP', port: HELPER_PORT }] }] }),
    },
  };
}

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
 * Receives one snapshot stream (from the operator, with the transfer token) into `file` on the
 * claim, then reports "<sha256> <bytes>" as its termination message. It writes to `<file>.part` and
 * renames only after the stream ended, so the final name never holds a half-written file.
 */
export function snapshotReceiverPod(i: VolumeFilePodInput & { transfer: TransferPath }): V1Pod {
  const script = [
    'set -eu',
    RECEIVE,
    'f="$BACKUP_MOUNT/$FILE"',
    'mkdir -p "$(dirname "$f")"',
    'receive "$f.part"',
    `echo "$(cut -d" " -f1 "$f.part.sha256") ${sizeOf('$f.part')}" > /dev/termination-log`,
    'rm -f "$f.part.sha256"',
    'mv "$f.part" "$f"',
  ].join('\n');
  return podOf(helperMeta(i.namespace, i.name, 'backup', i.owner, i.transfer), {
    containers: [shell('receive', i.toolsImage, script, { BACKUP_MOUNT, FILE: i.file, ...receiveEnv }, [{ name: 'backup', mountPath: BACKUP_MOUNT }, transferMount])],
    volumes: [claimVolume('backup', i.claimName), transferVolume(i.name)],
  });
}

/** Deletes one stored snapshot file (and a leftover `.part`) from a claim. */
export function fileRemoverPod(i: VolumeFilePodInput): V1Pod {
  return podOf(helperMeta(i.namespace, i.name, 'backup-delete', i.owner), {
    containers: [shell('remove', i.toolsImage, 'rm -f "$BACKUP_MOUNT/$FILE" "$BACKUP_MOUNT/$FILE.part" "$BACKUP_MOUNT/$FILE.part.sha256"', { BACKUP_MOUNT, FILE: i.file }, [{ name: 'backup', mountPath: BACKUP_MOUNT }])],
    volumes: [claimVolume('backup', i.claimName)],
  });
}

/** The restore pod of a member's volume (one at a time: a new snapshot's pod replaces another's). */
export const restorePodName = (member: string): string => `${member}-restore`;

export interface RestorePodInput {
  namespace: string;
  name: string;
  owner: V1OwnerReference;
  /** The member's data claim the snapshot is restored onto. */
  dataClaim: string;
  /** Where the snapshot comes from: streamed in (from the operator, with the transfer token), or a file on a backup claim. */
  source: { stream: true; transfer: TransferPath } | { claimName: string; file: string };
  sha256: string;
  toolsImage: string;
  etcdImage: string;
  /** etcdutl snapshot restore flags naming the member and its initial cluster. */
  member: { name: string; initialCluster: string; token: string; peerURL: string };
}

/**
 * Restores one member's data directory from a snapshot: fetch (stream, or copy and verify its
 * SHA-256) into a scratch emptyDir -> `etcdutl snapshot restore` of the cluster's own version (it
 * checks the snapshot's own hash too). The data directory is cleared first: a restore pod only runs
 * on a volume the workflow has not marked restored yet. The copy goes with the pod (no cleanup step:
 * each container is a second or so of the kubelet's), and never takes room on the member's volume.
 */
export function restorePod(i: RestorePodInput): V1Pod {
  const stream = 'stream' in i.source;
  const script = [
    'set -eu',
    ...(stream ? [RECEIVE_SIZED] : []),
    'rm -rf "$DATA_DIR" "$SNAPSHOT" "$SNAPSHOT.sha256" "$SNAPSHOT.size"',
    ...(stream
      ? [
        'receive_sized "$SNAPSHOT"',
        `want=$(cat "$SNAPSHOT.size"); got=${sizeOf('$SNAPSHOT')}`,
        'case "$want" in ""|*[!0-9]*) echo "snapshot stream without a length" > /dev/termination-log; exit 3;; esac',
        'if [ "$got" != "$want" ]; then echo "snapshot truncated: $got of $want bytes arrived" > /dev/termination-log; exit 3; fi',
      ]
      : [
        'set -o pipefail; tee "$SNAPSHOT" < "$BACKUP_MOUNT/$FILE" | sha256sum > "$SNAPSHOT.sha256"',
        'got=$(cut -d" " -f1 "$SNAPSHOT.sha256")',
        `if [ "$got" != "$SHA256" ]; then echo "snapshot sha256 mismatch: expected $SHA256, got $got (${sizeOf('$SNAPSHOT')} bytes)" > /dev/termination-log; exit 3; fi`,
      ]),
  ].join('\n');
  const dataMount = { name: DATA_VOLUME, mountPath: DATA_MOUNT_PATH };
  const scratchMount = { name: SCRATCH_VOLUME, mountPath: SCRATCH_MOUNT };
  const env = { DATA_DIR, SNAPSHOT: RESTORE_FILE, SHA256: i.sha256, BACKUP_MOUNT, ...('file' in i.source ? { FILE: i.source.file } : receiveEnv) };
  const fetchContainer = shell('fetch', i.toolsImage, script, env, [dataMount, scratchMount, stream ? transferMount : { name: 'backup', mountPath: BACKUP_MOUNT, readOnly: true }]);
  return podOf(helperMeta(i.namespace, i.name, 'restore', i.owner, 'stream' in i.source ? i.source.transfer : undefined), {
    initContainers: [fetchContainer],
    containers: [{
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
      volumeMounts: [dataMount, { ...scratchMount, readOnly: true }],
      securityContext: containerSecurityContext(),
      terminationMessagePolicy: 'FallbackToLogsOnError',
    }],
    volumes: [claimVolume(DATA_VOLUME, i.dataClaim), { name: SCRATCH_VOLUME, emptyDir: {} }, 'claimName' in i.source ? claimVolume('backup', i.source.claimName, true) : transferVolume(i.name)],
  });
}

/** Whether the restore pod's fetch step has ended well: the snapshot is in, only etcdutl is left. */
export const restorePodFetched = (pod: V1Pod): boolean =>
  pod.status?.initContainerStatuses?.some((s) => s.name === 'fetch' && s.state?.terminated?.exitCode === 0) ?? false;

/** The SHA-256 a restore pod was made to restore (its fetch step checks it). */
export const restorePodSha256 = (pod: V1Pod): string | undefined => pod.spec?.initContainers?.flatMap((c) => c.env ?? []).find((e) => e.name === 'SHA256')?.value;

/** Pulls a new etcd image and runs `etcd --version` where the members may run (their nodeSelector and tolerations). */
export function imageCheckPod(i: { namespace: string; name: string; owner: V1OwnerReference; image: string; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[] }): V1Pod {
  return podOf(helperMeta(i.namespace, i.name, 'image-check', i.owner), {
    containers: [{ name: 'etcd', image: i.image, imagePullPolicy: 'IfNotPresent', command: ['/usr/local/bin/etcd', '--version'], securityContext: containerSecurityContext(), terminationMessagePolicy: 'FallbackToLogsOnError' }],
    volumes: [],
    ...(i.nodeSelector && { nodeSelector: i.nodeSelector }),
    ...(i.tolerations && { tolerations: i.tolerations }),
  });
}
