import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clusterRef } from '../../k8s/etcd-cluster.ts';
import { EtcdClusterSpecSchema } from '../../k8s/cluster-spec.ts';

const spec = EtcdClusterSpecSchema.parse({});

describe('clusterRef', () => {
  it('takes name, namespace and uid from metadata', () =>
    assert.deepEqual(clusterRef({ metadata: { name: 'db', namespace: 'prod', uid: 'u1' } }, spec), { name: 'db', namespace: 'prod', uid: 'u1', spec }));
  const missing: [string, object][] = [
    ['name', { namespace: 'prod', uid: 'u1' }],
    ['namespace', { name: 'db', uid: 'u1' }],
    ['uid', { name: 'db', namespace: 'prod' }],
  ];
  for (const [field, metadata] of missing) {
    it(`throws without metadata.${field}`, () => assert.throws(() => clusterRef({ metadata }, spec), /needs name, namespace and uid/));
  }
});
