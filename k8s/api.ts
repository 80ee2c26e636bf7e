// Names the operator shares with Kubernetes: API group, kinds, labels, ports and the
// deterministic object names every manifest builder and activity derives from a cluster name.

export const GROUP = 'etcd.operator.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}` as const;

export interface ResourceNames {
  readonly kind: string;
  readonly listKind: string;
  readonly singular: string;
  readonly plural: string;
}

const resource = <K extends string>(kind: K): ResourceNames & { readonly kind: K } => {
  const singular = kind.toLowerCase();
  return { kind, listKind: `${kind}List`, singular, plural: `${singular}s` };
};

export const ETCD_CLUSTER = resource('EtcdCluster');
export const ETCD_BACKUP = resource('EtcdBackup');
export const ETCD_RESTORE = resource('EtcdRestore');
export const ETCD_USER = resource('EtcdUser');

/** The single server-side-apply field manager, so every apply owns (and can drop) the same fields. */
export const FIELD_MANAGER = 'etcd-operator';
export const FINALIZER = `${GROUP}/cleanup`;

export const LABELS = {
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  managedBy: 'app.kubernetes.io/managed-by',
  cluster: `${GROUP}/cluster`,
  member: `${GROUP}/member`,
  /** The owning cluster's uid: selects a cluster's pods and volumes, even kept ones without an owner reference. */
  clusterUid: `${GROUP}/cluster-uid`,
  /** On a volume kept (retainOnDelete) after its member was removed: not a member's data any more. */
  removed: `${GROUP}/removed-member`,
  /**
   * On a volume a quorum-loss recovery set aside (value `recovery`): it may hold writes newer than
   * the backup restored, so the operator never deletes it, whatever retainOnDelete says.
   */
  setAside: `${GROUP}/set-aside`,
  /**
   * On the pod of a member that is still a learner (joining): the PodDisruptionBudget counts voters
   * only, so a learner's ready pod never lets a drain evict a voter the quorum needs. Removed when
   * the learner is promoted.
   */
  learner: `${GROUP}/learner`,
} as const;

/** The command that lists a cluster's volumes set aside by a recovery (in Events and the README). */
export const setAsideListCommand = (cluster: string, namespace: string): string =>
  `kubectl get pvc -n ${namespace} -l ${GROUP}/set-aside=recovery,${GROUP}/cluster=${cluster}`;
/** On the EtcdCluster once its first members formed a cluster: from then on no member starts as `new`. */
export const BOOTSTRAPPED_ANNOTATION = `${GROUP}/bootstrapped`;
export const APP_NAME = 'etcd';
export const MANAGED_BY = 'etcd-operator';

export const CLIENT_PORT = 2379;
export const PEER_PORT = 2380;
export const METRICS_PORT = 2381;

/** Pod names are `${cluster}-${index}`, the client Service `${cluster}-client`: both must stay valid DNS-1035 labels. */
export const CLUSTER_NAME_MAX_LENGTH = 63 - '-client'.length;
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why a cluster name cannot be used for the objects derived from it, or undefined when it can. */
export function clusterNameError(name: string): string | undefined {
  if (name.length > CLUSTER_NAME_MAX_LENGTH) return `metadata.name must be at most ${CLUSTER_NAME_MAX_LENGTH} characters (it prefixes Service and Pod names)`;
  if (!DNS1035_LABEL.test(name)) return 'metadata.name must be a DNS-1035 label: lowercase letters, digits and "-", starting with a letter';
  return undefined;
}

export const headlessServiceName = (cluster: string): string => cluster;
export const clientServiceName = (cluster: string): string => `${cluster}-client`;
export const memberName = (cluster: string, index: number): string => `${cluster}-${index}`;
export const pvcName = (member: string): string => `data-${member}`;
export const pdbName = (cluster: string): string => cluster;

// Short `.svc` names: the cluster domain (cluster.local or not) is left to the resolver's search path.
// https when the cluster has spec.tls (it never changes after creation).
const scheme = (tls: boolean) => (tls ? 'https' : 'http');
export const peerURL = (cluster: string, namespace: string, member: string, tls = false): string =>
  `${scheme(tls)}://${member}.${headlessServiceName(cluster)}.${namespace}.svc:${PEER_PORT}`;
export const clientURL = (cluster: string, namespace: string, member: string, tls = false): string =>
  `${scheme(tls)}://${member}.${headlessServiceName(cluster)}.${namespace}.svc:${CLIENT_PORT}`;
/** What clients (and the operator, whatever address it dials) verify a member's server certificate against. */
export const clientServiceHost = (cluster: string, namespace: string): string => `${clientServiceName(cluster)}.${namespace}.svc`;
