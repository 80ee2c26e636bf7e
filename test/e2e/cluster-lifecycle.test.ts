// The operator on the real local stack: EtcdCluster create -> Available, keys through the client
// Service, `kubectl scale`, delete (with and without retainOnDelete), and a SIGKILLed worker mid-create. Failover: test/e2e/failover.test.ts.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, objectsLeft, waitAvailable, waitConverged } from '../support/clusters.ts';
import { useOperatorNamespace, type OperatorProcess } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';

describe('EtcdCluster lifecycle on the local stack', () => {
  const suite = useOperatorNamespace('e2e-life');
  let ns: string;
  let operator: OperatorProcess;
  before(() => ({ ns, operator } = suite));

  it('creates a 3-member cluster that becomes Available and serves keys through the client Service', async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('alpha', { size: 3 }));
    const c = await waitAvailable(ns, 'alpha');
    const members = c.status!.members!;
    assert.deepEqual(members.map((m) => m.name).sort(), ['alpha-0', 'alpha-1', 'alpha-2']);
    assert.ok(members.every((m) => !m.learner && m.healthy));
    assert.equal(c.status!.observedGeneration, c.metadata.generation);

    const ip = kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', '-n', ns, 'alpha-client']).spec.clusterIP;
    const connect = () => new Etcd3({ hosts: `http://${ip}:2379`, defaultCallOptions: () => ({ deadline: new Date(Date.now() + 5000) }) });
    // kube-proxy programs the Service a moment after its endpoints turn ready; a fresh client per
    // try, so the etcd3 client's circuit breaker does not hold on to an early refusal.
    const client = await waitFor('first write through the client Service', async () => {
      const c = connect();
      try { await c.put('app/k0').value('v0'); return c; } catch (err) { c.close(); throw err; }
    }, { timeoutMs: 20_000, intervalMs: 500 });
    try {
      for (let i = 1; i < 20; i++) await client.put(`app/k${i}`).value(`v${i}`);
      assert.equal(await client.get('app/k7').string(), 'v7');
      assert.equal((await client.getAll().prefix('app/').keys()).length, 20);
    } finally { client.close(); }
  });

  it('kubectl scale changes spec.size through the scale subresource', async () => {
    kubectl(['scale', '-n', ns, 'etcdcluster/alpha', '--replicas=5']);
    const c = getCluster(ns, 'alpha');
    assert.equal(c.spec.size, 5);
    const scale = JSON.parse(kubectl(['get', '--raw', `/apis/etcd.operator.dev/v1alpha1/namespaces/${ns}/etcdclusters/alpha/scale`])) as { spec: { replicas: number }; status: { selector: string } };
    assert.equal(scale.spec.replicas, 5);
    assert.match(scale.status.selector, /etcd\.operator\.dev\/cluster=alpha/);
    kubectl(['scale', '-n', ns, 'etcdcluster/alpha', '--replicas=3']);
    // The loop finishes the member step in flight, then converges on the newest size.
    await waitConverged(ns, 'alpha', 3);
  });

  it('delete removes pods, services, PDB and PVCs before the EtcdCluster goes', async () => {
    assert.ok(objectsLeft(ns, 'alpha').length >= 3 + 2 + 1 + 3);
    kubectl(['delete', 'etcdcluster', '-n', ns, 'alpha', '--wait=true', '--timeout=120s']);
    assert.deepEqual(objectsLeft(ns, 'alpha'), []);
  });

  it('delete with retainOnDelete keeps the PVCs, released from the cluster', async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('kept', { size: 1, storage: { retainOnDelete: true } }));
    await waitAvailable(ns, 'kept');
    kubectl(['delete', 'etcdcluster', '-n', ns, 'kept', '--wait=true', '--timeout=120s']);
    const pvcs = kubectlJson<{ items: { metadata: { name: string; ownerReferences?: unknown[] } }[] }>(['get', 'pvc', '-n', ns, '-l', 'etcd.operator.dev/cluster=kept']).items;
    assert.deepEqual(pvcs.map((p) => p.metadata.name), ['data-kept-0']);
    assert.equal(pvcs[0]!.metadata.ownerReferences, undefined);
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=kept', '-o', 'name']).trim(), '');
    kubectl(['delete', 'pvc', '-n', ns, 'data-kept-0', '--wait=true']);
  });

  it('a worker SIGKILLed in the middle of create resumes: Available with exactly the requested members', async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('crash', { size: 3 }));
    await waitFor('create past its first member', () => (getCluster(ns, 'crash').status?.operation?.step ?? '').startsWith('ApplyMember'), { timeoutMs: 60_000, intervalMs: 100 });
    await operator.kill('SIGKILL');
    operator.start();
    const c = await waitAvailable(ns, 'crash');
    const names = c.status!.members!.map((m) => m.name).sort();
    assert.deepEqual(names, ['crash-0', 'crash-1', 'crash-2']);
    assert.equal(new Set(c.status!.members!.map((m) => m.id)).size, 3, 'no duplicate member');
    const pods = kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=crash', '-o', 'name']).split('\n').filter(Boolean);
    assert.equal(pods.length, 3);
  });
});
