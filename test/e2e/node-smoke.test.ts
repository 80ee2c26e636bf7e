// The local Kubernetes node does what the operator needs: a plain 3-pod etcd cluster from the
// local image with PVCs becomes healthy; pod DNS, ClusterIP Services (from a pod and the host),
// garbage collection and data on a PVC across a pod restart all work.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace, fixture, execIn, etcdImage } from '../support/kube.ts';
import { waitFor } from '../support/wait.ts';

const manifest = new URL('./fixtures/etcd-3pod.yaml', import.meta.url);
const pods = ['etcd-0', 'etcd-1', 'etcd-2'];

describe('local Kubernetes node', () => {
  let ns: string;
  let cleanup: () => void;
  let applied: string;

  before(() => {
    ensureStack();
    ({ ns, cleanup } = tempNamespace('smoke'));
    applied = fixture(manifest, { NS: ns, IMAGE: etcdImage('3.6.16') });
    kubectl(['apply', '-n', ns, '-f', '-'], applied);
  });
  after(() => { cleanup?.(); });

  it('runs a 3-pod etcd cluster from the local image until every member is Ready and healthy', async () => {
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', ...pods, '--timeout=180s']);
    // Ready (the member answers /health) comes a moment before every peer sees every other.
    const health = await waitFor('all 3 members healthy', () => {
      const out = execIn(ns, 'etcd-0', ['etcdctl', `--endpoints=http://etcd-0.etcd.${ns}.svc:2379`, 'endpoint', 'health', '--cluster']);
      return out.match(/is healthy/g)?.length === 3 && out;
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.match(health, /etcd-2\.etcd/);
  });

  it('binds each PVC through the dynamic provisioner', () => {
    const pvcs = kubectlJson<{ items: { status: { phase: string }; spec: { storageClassName: string; volumeName: string } }[] }>(['get', 'pvc', '-n', ns]);
    assert.equal(pvcs.items.length, 3);
    for (const pvc of pvcs.items) {
      assert.equal(pvc.status.phase, 'Bound');
      assert.equal(pvc.spec.storageClassName, 'local-path');
      assert.ok(pvc.spec.volumeName.startsWith('pvc-'));
    }
  });

  it('resolves one pod from another by its DNS name under the headless Service', () => {
    const ip = kubectlJson<{ status: { podIP: string } }>(['get', 'pod', '-n', ns, 'etcd-1']).status.podIP;
    const out = execIn(ns, 'etcd-0', ['nslookup', `etcd-1.etcd.${ns}.svc.cluster.local`]);
    assert.match(out, new RegExp(`Address:\\s*${ip.replaceAll('.', '\\.')}`), out);
  });

  it('reaches etcd through the ClusterIP Service from a pod and from the host', async () => {
    execIn(ns, 'etcd-2', ['etcdctl', `--endpoints=http://etcd-client.${ns}.svc:2379`, 'put', 'smoke/key', 'from-pod']);
    const clusterIP = kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', '-n', ns, 'etcd-client']).spec.clusterIP;
    const client = new Etcd3({ hosts: `http://${clusterIP}:2379`, defaultCallOptions: () => ({ deadline: new Date(Date.now() + 5000) }) });
    try {
      assert.equal(await client.get('smoke/key').string(), 'from-pod');
      await client.put('smoke/host').value('from-host');
    } finally { client.close(); }
    assert.equal(execIn(ns, 'etcd-0', ['etcdctl', 'get', '--print-value-only', 'smoke/host']).trim(), 'from-host');
  });

  it('keeps a member\'s data on its PVC across a pod delete and re-create', async () => {
    const before = execIn(ns, 'etcd-1', ['etcdctl', 'endpoint', 'status', '-w', 'json']);
    const memberId = (JSON.parse(before) as { Status: { header: { member_id: number } } }[])[0]!.Status.header.member_id;
    kubectl(['delete', 'pod', '-n', ns, 'etcd-1', '--wait=true']);
    kubectl(['apply', '-n', ns, '-f', '-'], applied);
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/etcd-1', '--timeout=120s']);
    // Serializable read from the restarted member itself: its own copy, not the leader's.
    const value = execIn(ns, 'etcd-1', ['etcdctl', '--consistency=s', 'get', '--print-value-only', 'smoke/key']).trim();
    assert.equal(value, 'from-pod');
    const after = execIn(ns, 'etcd-1', ['etcdctl', 'endpoint', 'status', '-w', 'json']);
    assert.equal((JSON.parse(after) as { Status: { header: { member_id: number } } }[])[0]!.Status.header.member_id, memberId,
      'same member identity: the data dir survived, nothing was re-bootstrapped');
  });

  it('garbage-collects a pod when its owner is deleted', async () => {
    kubectl(['create', 'configmap', '-n', ns, 'owner']);
    const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'configmap', '-n', ns, 'owner']).metadata.uid;
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid }] },
      spec: { containers: [{ name: 'c', image: etcdImage('3.6.16'), command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 1 },
    }));
    kubectl(['delete', 'configmap', '-n', ns, 'owner']);
    await waitFor('owned pod garbage-collected', () =>
      !kubectl(['get', 'pod', '-n', ns, '--ignore-not-found', '-o', 'name']).includes('pod/owned'), { timeoutMs: 60_000, intervalMs: 500 });
  });
});
