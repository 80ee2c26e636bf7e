import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../../k8s/api.ts';

describe('API names', () => {
  const cases: [string, unknown, unknown][] = [
    ['API_VERSION', api.API_VERSION, 'etcd.operator.dev/v1alpha1'],
    ['EtcdCluster', api.ETCD_CLUSTER, { kind: 'EtcdCluster', listKind: 'EtcdClusterList', singular: 'etcdcluster', plural: 'etcdclusters' }],
    ['EtcdBackup plural', api.ETCD_BACKUP.plural, 'etcdbackups'],
    ['EtcdRestore plural', api.ETCD_RESTORE.plural, 'etcdrestores'],
    ['EtcdUser plural', api.ETCD_USER.plural, 'etcdusers'],
    ['FIELD_MANAGER', api.FIELD_MANAGER, 'etcd-operator'],
    ['FINALIZER', api.FINALIZER, 'etcd.operator.dev/cleanup'],
    ['label keys', api.LABELS, {
      name: 'app.kubernetes.io/name', instance: 'app.kubernetes.io/instance', managedBy: 'app.kubernetes.io/managed-by',
      cluster: 'etcd.operator.dev/cluster', member: 'etcd.operator.dev/member', clusterUid: 'etcd.operator.dev/cluster-uid', removed: 'etcd.operator.dev/removed-member', setAside: 'etcd.operator.dev/set-aside', learner: 'etcd.operator.dev/learner',
    }],
    ['ports', [api.CLIENT_PORT, api.PEER_PORT, api.METRICS_PORT], [2379, 2380, 2381]],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.deepEqual(got, want));
});

describe('object names derived from the cluster name', () => {
  const cases: [string, string, string][] = [
    ['headless Service is the cluster name', api.headlessServiceName('db'), 'db'],
    ['client Service', api.clientServiceName('db'), 'db-client'],
    ['member', api.memberName('db', 2), 'db-2'],
    ['member PVC', api.pvcName('db-2'), 'data-db-2'],
    ['PDB is the cluster name', api.pdbName('db'), 'db'],
    ['peer URL uses the short .svc name', api.peerURL('db', 'prod', 'db-0'), 'http://db-0.db.prod.svc:2380'],
    ['client URL uses the short .svc name', api.clientURL('db', 'prod', 'db-0'), 'http://db-0.db.prod.svc:2379'],
  ];
  for (const [name, got, want] of cases) it(name, () => assert.equal(got, want));
});

describe('clusterNameError', () => {
  const longest = 'a'.repeat(api.CLUSTER_NAME_MAX_LENGTH);
  const cases: [string, string, RegExp | undefined][] = [
    ['a plain name is fine', 'db', undefined],
    ['the longest allowed name is fine', longest, undefined],
    ['one character more is too long', `${longest}a`, /at most 56/],
    ['a dotted name cannot name a Service', 'my.db', /DNS-1035/],
    ['a leading digit cannot name a Service', '1db', /DNS-1035/],
    ['uppercase is not allowed', 'DB', /DNS-1035/],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => (want ? assert.match(api.clusterNameError(input) ?? '', want) : assert.equal(api.clusterNameError(input), undefined)));
  }
  it('the longest name still gives a 63-character client Service name', () => assert.equal(api.clientServiceName(longest).length, 63));
});
