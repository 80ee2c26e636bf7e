// What every object the operator creates for a cluster carries: the owner reference (so
// Kubernetes garbage-collects it with the EtcdCluster) and the cluster's labels.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { API_VERSION, APP_NAME, ETCD_CLUSTER, LABELS, MANAGED_BY } from '../api.ts';
import type { EtcdClusterSpec } from '../cluster-spec.ts';

/** The cluster as the builders need it: identity plus the validated spec. */
export interface ClusterRef {
  name: string;
  namespace: string;
  uid: string;
  spec: EtcdClusterSpec;
  /** With spec.tls: a digest of the peer and server certificates in use (read from their Secrets). */
  tlsFingerprint?: string;
}

export function ownerReference(cluster: Pick<ClusterRef, 'name' | 'uid'>): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: ETCD_CLUSTER.kind,
    name: cluster.name,
    uid: cluster.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Labels that select a cluster's pods: stable for the cluster's life (Service and PDB selectors). */
export const selectorLabels = (cluster: string): Record<string, string> => ({
  [LABELS.name]: APP_NAME,
  [LABELS.cluster]: cluster,
});

/** Selector labels as the string the scale subresource reads from status.selector. */
export const selectorString = (cluster: string): string =>
  Object.entries(selectorLabels(cluster)).map(([k, v]) => `${k}=${v}`).join(',');

export const clusterLabels = (cluster: string): Record<string, string> => ({
  ...selectorLabels(cluster),
  [LABELS.instance]: cluster,
  [LABELS.managedBy]: MANAGED_BY,
});

/** Labels of a member's pod and volume; with the uid, a re-created namesake's objects are told apart. */
export const memberLabels = (cluster: string, member: string, uid?: string): Record<string, string> => ({
  ...clusterLabels(cluster),
  [LABELS.member]: member,
  ...(uid && { [LABELS.clusterUid]: uid }),
});

/** Whether an object belongs to the cluster with this uid (owner reference or uid label), not a namesake. */
export const belongsTo = (meta: V1ObjectMeta | undefined, uid: string): boolean =>
  Boolean(meta?.ownerReferences?.some((o) => o.uid === uid) || meta?.labels?.[LABELS.clusterUid] === uid);

/**
 * Whether an owner reference carries this uid: the test for objects under a name the operator
 * derives (Services, PDB, NetworkPolicy, Secrets), where a label proves nothing (anyone can copy one).
 */
export const ownedBy = (meta: V1ObjectMeta | undefined, uid: string): boolean =>
  Boolean(meta?.ownerReferences?.some((o) => o.uid === uid));

/** metadata for an object of this cluster: namespaced, labelled, owned. */
export function ownedMeta(cluster: ClusterRef, name: string, labels: Record<string, string> = clusterLabels(cluster.name)): V1ObjectMeta {
  return { name, namespace: cluster.namespace, labels, ownerReferences: [ownerReference(cluster)] };
}
