import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterLabels, memberLabels, ownedMeta, ownerReference, selectorLabels, selectorString } from '../../k8s/manifests/owner.ts';
import { OWNER, UID, cluster } from './cluster-fixture.ts';

describe('owner references and labels', () => {
  it('the owner reference makes the EtcdCluster the controlling owner', () => assert.deepEqual(ownerReference({ name: 'db', uid: UID }), OWNER));
  const labels: [string, Record<string, string>, Record<string, string>][] = [
    ['selector labels are name + cluster only (stable for the cluster\'s life)', selectorLabels('db'), {
      'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db',
    }],
    ['cluster labels add instance and managed-by', clusterLabels('db'), {
      'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db', 'app.kubernetes.io/instance': 'db', 'app.kubernetes.io/managed-by': 'etcd-operator',
    }],
    ['member labels add the member', memberLabels('db', 'db-1'), {
      'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db', 'app.kubernetes.io/instance': 'db', 'app.kubernetes.io/managed-by': 'etcd-operator',
      'etcd.operator.dev/member': 'db-1',
    }],
  ];
  for (const [name, got, want] of labels) it(name, () => assert.deepEqual(got, want));
  it('selectorString is the selector labels as key=value pairs', () =>
    assert.equal(selectorString('db'), 'app.kubernetes.io/name=etcd,etcd.operator.dev/cluster=db'));
  it('ownedMeta is namespaced, labelled and owned', () =>
    assert.deepEqual(ownedMeta(cluster(), 'db-client'), { name: 'db-client', namespace: 'prod', labels: clusterLabels('db'), ownerReferences: [OWNER] }));
});
