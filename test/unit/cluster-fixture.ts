// A ClusterRef for the manifest builder tests: name db, namespace prod, spec parsed (defaults filled).
import { EtcdClusterSpecSchema, type EtcdClusterSpecInput } from '../../k8s/cluster-spec.ts';
import type { ClusterRef } from '../../k8s/manifests/owner.ts';

export const UID = '7c0e1f6a-3b1d-4c1e-9d7e-2f5a6b8c9d0e';

export const cluster = (spec: EtcdClusterSpecInput = {}): ClusterRef => ({
  name: 'db',
  namespace: 'prod',
  uid: UID,
  spec: EtcdClusterSpecSchema.parse(spec),
});

export const OWNER = {
  apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: UID, controller: true, blockOwnerDeletion: true,
};
