import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { networkPolicy } from '../../k8s/manifests/network-policy.ts';
import { OWNER, cluster } from './cluster-fixture.ts';

describe('networkPolicy', () => {
  const np = networkPolicy(cluster());
  const members = { matchLabels: { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db' } };
  it('selects the cluster\'s member pods, is named after the cluster and owned by it', () => {
    assert.deepEqual([np.apiVersion, np.kind, np.metadata?.name, np.metadata?.namespace], ['networking.k8s.io/v1', 'NetworkPolicy', 'db', 'prod']);
    assert.deepEqual(np.metadata?.ownerReferences, [OWNER]);
    assert.deepEqual(np.spec?.podSelector, members);
    assert.deepEqual(np.spec?.policyTypes, ['Ingress']);
  });
  it('admits the peer port only from the cluster\'s own members', () =>
    assert.deepEqual(np.spec?.ingress?.[0], { _from: [{ podSelector: members }], ports: [{ protocol: 'TCP', port: 2380 }] }));
  it('admits the client and metrics ports from anywhere (clients, kubelet probes, Prometheus)', () =>
    assert.deepEqual(np.spec?.ingress?.[1], { ports: [{ protocol: 'TCP', port: 2379 }, { protocol: 'TCP', port: 2381 }] }));
  it('admits nothing else: two rules', () => assert.equal(np.spec?.ingress?.length, 2));
});
