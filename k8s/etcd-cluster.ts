// The EtcdCluster object as read from the API server. The spec stays `unknown` until
// validateClusterSpec() has parsed it: the CRD schema may be older or newer than this operator.
import type { V1ObjectMeta } from '@kubernetes/client-node';
import type { EtcdClusterSpec } from './cluster-spec.ts';
import type { EtcdClusterStatus } from './cluster-status.ts';
import type { ClusterRef } from './manifests/owner.ts';

export interface EtcdCluster {
  apiVersion?: string;
  kind?: string;
  metadata: V1ObjectMeta;
  spec?: unknown;
  status?: EtcdClusterStatus;
}

/** Identity + validated spec for the manifest builders; throws on an object the API server would never return. */
export function clusterRef(obj: EtcdCluster, spec: EtcdClusterSpec): ClusterRef {
  const { name, namespace, uid } = obj.metadata;
  if (!name || !namespace || !uid) throw new Error('EtcdCluster metadata needs name, namespace and uid');
  return { name, namespace, uid, spec };
}
