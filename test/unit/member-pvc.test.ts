import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memberPVC } from '../../k8s/manifests/member-pvc.ts';
import { memberLabels } from '../../k8s/manifests/owner.ts';
import { OWNER, cluster } from './cluster-fixture.ts';
import type { EtcdClusterSpecInput } from '../../k8s/cluster-spec.ts';

describe('memberPVC', () => {
  const cases: { name: string; spec: EtcdClusterSpecInput; size: string; storageClassName?: string; owned: boolean }[] = [
    { name: 'defaults: 1Gi, cluster default class, owned by the cluster', spec: {}, size: '1Gi', owned: true },
    { name: 'size and class from spec.storage', spec: { storage: { size: '20Gi', storageClassName: 'fast-ssd' } }, size: '20Gi', storageClassName: 'fast-ssd', owned: true },
    { name: 'retainOnDelete: no owner, so deleting the cluster keeps the data', spec: { storage: { retainOnDelete: true } }, size: '1Gi', owned: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pvc = memberPVC(cluster(c.spec), 'db-1');
      assert.deepEqual(pvc, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name: 'data-db-1', namespace: 'prod', labels: memberLabels('db', 'db-1', OWNER.uid),
          ...(c.owned && { ownerReferences: [OWNER] }),
        },
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: c.size } },
          ...(c.storageClassName && { storageClassName: c.storageClassName }),
        },
      });
    });
  }
});
