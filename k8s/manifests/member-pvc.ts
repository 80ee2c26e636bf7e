// A member's data volume claim. Owned by the EtcdCluster (garbage-collected with it) unless
// spec.storage.retainOnDelete: then it has no owner. Re-applying it with one field manager adds
// or drops the owner reference when retainOnDelete changes, so the delete workflow can re-apply
// the claims before removing the finalizer.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { pvcName } from '../api.ts';
import { memberLabels, ownerReference, type ClusterRef } from './owner.ts';

export function memberPVC(cluster: ClusterRef, member: string): V1PersistentVolumeClaim {
  const { storage } = cluster.spec;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: pvcName(member),
      namespace: cluster.namespace,
      labels: memberLabels(cluster.name, member, cluster.uid),
      ...(!storage.retainOnDelete && { ownerReferences: [ownerReference(cluster)] }),
    },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: storage.size } },
      ...(storage.storageClassName !== undefined && { storageClassName: storage.storageClassName }),
    },
  };
}
