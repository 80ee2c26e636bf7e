// One etcd member = one Pod (no StatefulSet: the workflows decide which member exists and when).
// Stable DNS from hostname + subdomain (the headless Service); data on the member's PVC.
import { createHash } from 'node:crypto';
import type {
  V1Affinity, V1Container, V1Pod, V1PodSpec, V1ResourceRequirements, V1TopologySpreadConstraint, V1Volume,
} from '@kubernetes/client-node';
import { CLIENT_PORT, GROUP, LABELS, METRICS_PORT, PEER_PORT, clientURL, headlessServiceName, peerURL, pvcName } from '../api.ts';
import type { EtcdClusterSpec } from '../cluster-spec.ts';
import type { TlsSpec } from '../security-spec.ts';
import { tlsMountPath, tlsSecretName } from '../tls-names.ts';
import { memberLabels, ownerReference, selectorLabels, type ClusterRef } from './owner.ts';
import { containerSecurityContext, podSecurityContext } from './security.ts';

export const DATA_VOLUME = 'data';
export const DATA_MOUNT_PATH = '/var/lib/etcd';
export const DATA_DIR = `${DATA_MOUNT_PATH}/data`;
export const ETCD_CONTAINER = 'etcd';
/** The hash of the pod template a member pod was made from: a pod whose hash differs is rolled. */
export const POD_TEMPLATE_HASH = `${GROUP}/pod-template-hash`;
/** The fingerprint of the peer and server certificates a member pod was made with. */
export const TLS_FINGERPRINT = `${GROUP}/tls-fingerprint`;
/**
 * A joining member's --initial-cluster, written on its pod once etcd has it as a learner: until
 * then the pod's join gate (an init container) holds etcd back. See joinGate().
 */
export const INITIAL_CLUSTER_ANNOTATION = `${GROUP}/initial-cluster`;
export const JOIN_GATE_CONTAINER = 'join-gate';
const JOIN_GATE_VOLUME = 'join-gate';
const JOIN_GATE_PATH = '/etc/etcd/join-gate';

export interface MemberPodInput {
  cluster: ClusterRef;
  member: string;
  /** `name=peerURL,...`, see initialCluster(). */
  initialCluster: string;
  /** `new` when bootstrapping the cluster, `existing` when joining one (as a learner). */
  initialClusterState: 'new' | 'existing';
  image: string;
  /** A member joining as a learner: its pod is labelled so (LABELS.learner) until promoted. Not part of the template hash. */
  learner?: boolean;
  /**
   * A member whose pod starts before etcd has it: the pod waits at its join gate until
   * INITIAL_CLUSTER_ANNOTATION is set, and etcd takes --initial-cluster from there (initialCluster
   * is unused). The image of the gate: a POSIX shell (the operator's tools image). Not part of the
   * template hash.
   */
  joinGate?: { image: string };
}

/** spec.options as etcd flags, in a fixed order; unset options keep etcd's defaults. */
export function optionFlags(options: EtcdClusterSpec['options']): string[] {
  const flags: [string, string | number | undefined][] = [
    ['quota-backend-bytes', options.quotaBackendBytes],
    ['auto-compaction-mode', options.autoCompactionMode],
    ['auto-compaction-retention', options.autoCompactionRetention],
    ['snapshot-count', options.snapshotCount],
    ['heartbeat-interval', options.heartbeatIntervalMs],
    ['election-timeout', options.electionTimeoutMs],
  ];
  return flags.filter(([, v]) => v !== undefined).map(([k, v]) => `--${k}=${v}`);
}

/** etcd's TLS flags: the server and peer certificates from their mounted Secrets. */
export function tlsFlags(tls: TlsSpec | undefined): string[] {
  if (!tls) return [];
  const server = tlsMountPath('server');
  const peer = tlsMountPath('peer');
  return [
    `--cert-file=${server}/tls.crt`, `--key-file=${server}/tls.key`,
    // etcd turns client-certificate auth on whenever --trusted-ca-file is set: only with clientCertAuth.
    ...(tls.clientCertAuth ? [`--trusted-ca-file=${server}/ca.crt`, '--client-cert-auth'] : []),
    // Peers always prove who they are: only holders of a certificate from the peer CA join.
    `--peer-cert-file=${peer}/tls.crt`, `--peer-key-file=${peer}/tls.key`, `--peer-trusted-ca-file=${peer}/ca.crt`, '--peer-client-cert-auth',
    // Mode auto: the peer CA is this cluster's own, so every certificate it signed is a member's, and
    // the DNS check of a peer's certificate names adds nothing. It is what failed a joining member:
    // its name does not resolve yet (or CoreDNS still caches the "no such name"), so the peers close
    // its first connection and etcd exits, and kubelet restarts it only 10 s, then 20 s later.
    // (3.6 still reads the 3.5 spelling.)
    ...(tls.mode === 'auto' ? [SKIP_PEER_SAN_CHECK] : []),
  ];
}
const SKIP_PEER_SAN_CHECK = '--experimental-peer-skip-client-san-verification=true';

export function etcdCommand({ cluster, member, initialCluster, initialClusterState }: MemberPodInput): string[] {
  const tls = Boolean(cluster.spec.tls);
  const scheme = tls ? 'https' : 'http';
  return [
    '/usr/local/bin/etcd',
    `--name=${member}`,
    `--data-dir=${DATA_DIR}`,
    `--listen-peer-urls=${scheme}://0.0.0.0:${PEER_PORT}`,
    `--listen-client-urls=${scheme}://0.0.0.0:${CLIENT_PORT}`,
    // Plain http even with TLS: only /metrics and /health, which kubelet probes without a certificate.
    `--listen-metrics-urls=http://0.0.0.0:${METRICS_PORT}`,
    `--advertise-client-urls=${clientURL(cluster.name, cluster.namespace, member, tls)}`,
    `--initial-advertise-peer-urls=${peerURL(cluster.name, cluster.namespace, member, tls)}`,
    `--initial-cluster=${initialCluster}`,
    `--initial-cluster-state=${initialClusterState}`,
    // The UID keeps a recreated cluster of the same name from joining its predecessor's members.
    `--initial-cluster-token=${cluster.uid}`,
    ...tlsFlags(cluster.spec.tls),
    ...optionFlags(cluster.spec.options),
  ];
}

// Quantities may be written as integers (`cpu: 2`); the Pod API wants strings.
const quantities = (m: Record<string, string | number> | undefined) =>
  m && Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));

function resources(spec: EtcdClusterSpec): V1ResourceRequirements | undefined {
  const r = spec.pod.resources;
  if (!r || (!r.requests && !r.limits)) return undefined;
  return { ...(r.requests && { requests: quantities(r.requests) }), ...(r.limits && { limits: quantities(r.limits) }) };
}

const TLS_VOLUMES = ['peer', 'server'] as const;

/** The peer and server Secrets, readable by the etcd user only (fsGroup owns secret volumes). */
function tlsVolumes(cluster: ClusterRef): V1Volume[] {
  const { tls } = cluster.spec;
  if (!tls) return [];
  return TLS_VOLUMES.map((r) => ({ name: `${r}-tls`, secret: { secretName: tlsSecretName(cluster.name, tls, r), defaultMode: 0o440 } }));
}

function dataVolume(spec: EtcdClusterSpec, member: string): V1Volume {
  return spec.storage.emptyDir
    ? { name: DATA_VOLUME, emptyDir: {} }
    : { name: DATA_VOLUME, persistentVolumeClaim: { claimName: pvcName(member) } };
}

function etcdContainer(input: MemberPodInput): V1Container {
  const res = resources(input.cluster.spec);
  return {
    name: ETCD_CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    command: etcdCommand(input),
    ports: [
      { name: 'client', containerPort: CLIENT_PORT, protocol: 'TCP' },
      { name: 'peer', containerPort: PEER_PORT, protocol: 'TCP' },
      { name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
    ],
    // Ready = part of a cluster with a leader, so the client Service only routes to serving members.
    // Probed every second: the client Service, and so Available, waits for this after etcd is healthy
    // (the first probe comes as the container starts, before etcd serves); 6 failures in a row, as
    // before at 2 s x 3, take a member out. A NOSPACE alarm does not count: the member still serves
    // reads, and the operator clears it. On the metrics port, which stays plain http: the probe works
    // with TLS and client-cert auth on.
    readinessProbe: { httpGet: { path: '/health?exclude=NOSPACE', port: METRICS_PORT }, periodSeconds: 1, failureThreshold: 6 },
    // Alive = the local process answers; serializable so a lost quorum does not restart every member.
    livenessProbe: {
      // NOSPACE excluded (as kubeadm does): restarting every member over a full backend would only take the cluster down.
      httpGet: { path: '/health?exclude=NOSPACE&serializable=true', port: METRICS_PORT },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 8,
    },
    volumeMounts: [
      { name: DATA_VOLUME, mountPath: DATA_MOUNT_PATH },
      ...(input.cluster.spec.tls ? TLS_VOLUMES.map((r) => ({ name: `${r}-tls`, mountPath: tlsMountPath(r), readOnly: true })) : []),
    ],
    securityContext: containerSecurityContext(),
    ...(res && { resources: res }),
  };
}

/** JSON with object keys sorted, so equal pods hash equally whatever order their fields were built in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const TEMPLATE_MEMBER = 'member';
// Left out of the template hash: the first-start flags differ per member by nature, and a running
// member gains nothing from a restart to carry the peer check flag (new pods get it; upgrading the
// operator restarts no member).
const FIRST_START_FLAGS = /^--(initial-cluster(-state)?|experimental-peer-skip-client-san-verification)=/;
/** The readiness probe's timing as 0.1.0 hashed it (the probe is faster since; see podTemplateHash). */
const HASHED_PROBE_TIMING = { periodSeconds: 2, failureThreshold: 3 };

/**
 * What every member pod of this spec and image has in common: the pod of a placeholder member
 * without the flags that only matter at a member's first start (etcd ignores them once its data
 * dir holds data). Any change to it (image, resources, scheduling, metadata, etcd flags) needs a
 * rolling restart; nothing else does.
 */
export function podTemplateHash(cluster: MemberPodInput['cluster'], image: string): string {
  const pod = buildPod({ cluster, member: TEMPLATE_MEMBER, initialCluster: '', initialClusterState: 'existing', image });
  const container = pod.spec!.containers[0]!;
  container.command = container.command!.filter((f) => !FIRST_START_FLAGS.test(f));
  // The probe's timing is hashed as 0.1.0 set it: a running member gains nothing from a restart
  // for a faster probe (new pods get it).
  container.readinessProbe = { ...container.readinessProbe, ...HASHED_PROBE_TIMING };
  return createHash('sha256').update(canonical(pod)).digest('hex').slice(0, 16);
}

export function memberPod(input: MemberPodInput): V1Pod {
  const pod = buildPod(input);
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [POD_TEMPLATE_HASH]: podTemplateHash(input.cluster, input.image) };
  if (input.learner) pod.metadata!.labels = { ...pod.metadata!.labels, [LABELS.learner]: 'true' };
  Object.assign(pod.spec!, defaultSpread(input.cluster));
  if (input.joinGate) joinGate(pod, input.joinGate.image);
  return pod;
}

/**
 * Makes a joining member's pod wait until etcd has the member (the operator adds it once the pod has
 * an address, then writes INITIAL_CLUSTER_ANNOTATION). Added the other way round, the peers look up
 * the new member's name before its pod exists, and CoreDNS then caches "no such name" for its
 * negative TTL (5 s by default, 30 s in kubeadm's Corefile): etcd in the new pod waited that long
 * for its own name, and the leader for its first connection. The gate reads the annotation through
 * a downward API volume, which the kubelet updates within about a second; etcd then reads it as
 * ETCD_INITIAL_CLUSTER.
 */
function joinGate(pod: V1Pod, image: string): void {
  const spec = pod.spec!;
  const etcd = spec.containers[0]!;
  etcd.command = etcd.command!.filter((f) => !f.startsWith('--initial-cluster='));
  etcd.env = [...(etcd.env ?? []), { name: 'ETCD_INITIAL_CLUSTER', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INITIAL_CLUSTER_ANNOTATION}']` } } }];
  spec.initContainers = [{
    name: JOIN_GATE_CONTAINER,
    image,
    imagePullPolicy: 'IfNotPresent',
    // The shell runs as PID 1, which ignores SIGTERM without a handler: a gated pod deleted would
    // otherwise take its whole grace period to go.
    command: ['sh', '-c', `trap 'exit 143' TERM; until [ -s ${JOIN_GATE_PATH}/initial-cluster ]; do sleep 0.2; done`],
    volumeMounts: [{ name: JOIN_GATE_VOLUME, mountPath: JOIN_GATE_PATH, readOnly: true }],
    securityContext: containerSecurityContext(),
    // The etcd container's: a namespace whose quota wants requests and limits admits the pod.
    ...(etcd.resources && { resources: structuredClone(etcd.resources) }),
  }];
  spec.volumes = [...(spec.volumes ?? []), {
    name: JOIN_GATE_VOLUME,
    downwardAPI: { items: [{ path: 'initial-cluster', fieldRef: { fieldPath: `metadata.annotations['${INITIAL_CLUSTER_ANNOTATION}']` } }] },
  }];
}

/**
 * Members spread over nodes and zones unless the spec places them itself: a preferred
 * anti-affinity between the cluster's members per node, and a soft spread over
 * topology.kubernetes.io/zone. Preferred, not required, so a cluster with more members than nodes
 * still runs. `spec.pod.affinity: {}` or `topologySpreadConstraints: []` turns each off. Outside
 * the template hash: a running member whose volume is bound to its node would gain nothing from a
 * restart, so a new operator version with this default rolls nobody.
 */
export function defaultSpread(cluster: MemberPodInput['cluster']): Pick<V1PodSpec, 'affinity' | 'topologySpreadConstraints'> {
  const { pod } = cluster.spec;
  const members = { matchLabels: selectorLabels(cluster.name) };
  return {
    ...(!pod.affinity && {
      affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: members } }] } },
    }),
    ...(!pod.topologySpreadConstraints && {
      topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: members }],
    }),
  };
}

function buildPod(input: MemberPodInput): V1Pod {
  const { cluster, member } = input;
  const { pod } = cluster.spec;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: member,
      namespace: cluster.namespace,
      // The operator's labels last: Service and PDB selectors depend on them.
      labels: { ...pod.labels, ...memberLabels(cluster.name, member, cluster.uid) },
      // The fingerprint of the certificates in use: a renewed or replaced certificate changes the
      // pod template, so members restart onto it one at a time.
      ...((pod.annotations || cluster.tlsFingerprint) && {
        annotations: { ...pod.annotations, ...(cluster.tlsFingerprint && { [TLS_FINGERPRINT]: cluster.tlsFingerprint }) },
      }),
      ownerReferences: [ownerReference(cluster)],
    },
    spec: {
      hostname: member,
      subdomain: headlessServiceName(cluster.name),
      restartPolicy: 'Always',
      enableServiceLinks: false,
      // etcd never calls the Kubernetes API: no token in the pod.
      automountServiceAccountToken: false,
      securityContext: podSecurityContext(),
      terminationGracePeriodSeconds: 30,
      containers: [etcdContainer(input)],
      volumes: [dataVolume(cluster.spec, member), ...tlsVolumes(cluster)],
      ...(pod.nodeSelector && { nodeSelector: { ...pod.nodeSelector } }),
      ...(pod.affinity && { affinity: structuredClone(pod.affinity) as V1Affinity }),
      ...(pod.tolerations && { tolerations: pod.tolerations.map((t) => ({ ...t })) }),
      ...(pod.topologySpreadConstraints && {
        topologySpreadConstraints: structuredClone(pod.topologySpreadConstraints) as unknown as V1TopologySpreadConstraint[],
      }),
      ...(pod.priorityClassName && { priorityClassName: pod.priorityClassName }),
    },
  };
}
