// Resize on the local stack: 1 -> 3 -> 5 -> 3 -> 1 -> 3 with a writer putting sequential keys
// through the client Service the whole time. Each step ends with every member a healthy voter, no
// learner, and the member list equal to the pods; afterwards every acknowledged write is there.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, waitAvailable, waitConverged } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { Writer, clientServiceEndpoint } from '../support/writer.ts';

/**
 * A member added by a scale-up started at its join gate, and etcd in it found its own name at once:
 * its address was published before etcd added it and the peers looked the name up (without the
 * gate CoreDNS cached "no such name" and etcd retried for 2-6 s).
 */
function joinedThroughGate(ns: string, member: string): void {
  const pod = kubectlJson<V1Pod>(['get', 'pod', '-n', ns, member]);
  assert.equal(pod.spec?.initContainers?.[0]?.name, 'join-gate', `${member} started at its join gate`);
  assert.match(pod.metadata?.annotations?.['etcd.operator.dev/initial-cluster'] ?? '', new RegExp(`(^|,)${member}=`));
  assert.doesNotMatch(kubectl(['logs', '-n', ns, member, '-c', 'etcd']), /failed to resolve URL Host/, `${member} resolved its own name at once`);
}

describe('resize with a writer running', () => {
  const suite = useOperatorNamespace('e2e-resize');
  let ns: string;
  let writer: Writer | undefined;
  const failedAt: Record<string, number> = {};
  before(() => ({ ns } = suite));
  after(async () => { await writer?.stop(); });

  it('1 -> 3 -> 5 -> 3 -> 1 -> 3: each step converges, one member at a time, and no acknowledged write is lost', { timeout: 900_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('rs', { size: 1, storage: { size: '64Mi' } }));
    await waitAvailable(ns, 'rs');
    writer = new Writer({ endpoints: [clientServiceEndpoint(ns, 'rs')], prefix: 'resize' });
    writer.start();
    let seen = new Set(getCluster(ns, 'rs').status!.members!.map((m) => m.name));
    for (const size of [3, 5, 3, 1, 3]) {
      const before = writer.failedWrites;
      kubectl(['patch', 'etcdcluster', '-n', ns, 'rs', '--type=merge', '-p', JSON.stringify({ spec: { size } })]);
      const c = await waitConverged(ns, 'rs', size);
      const names = c.status!.members!.map((m) => m.name);
      for (const n of names.filter((x) => !seen.has(x))) joinedThroughGate(ns, n);
      // New members get fresh names: a name that left is never handed out again.
      for (const n of names) if (!seen.has(n)) assert.ok(![...seen].includes(n));
      seen = new Set([...seen, ...names]);
      failedAt[`${Object.keys(failedAt).length + 1}: -> ${size}`] = writer.failedWrites - before;
    }
    await writer.stop();
    const v = await writer.verify();
    console.log(`resize: acked ${v.acked} writes; failed writes per step ${JSON.stringify(failedAt)}; longest unavailability ${writer.longestUnavailableMs} ms`);
    assert.ok(v.acked > 50, `the writer made progress (${v.acked})`);
    assert.deepEqual(v.missing, [], 'every acknowledged write is present');
    assert.deepEqual(v.wrongValue, []);
    const ops = kubectl(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=rs,reason=ScaleSucceeded', '-o', 'name']).split('\n').filter(Boolean);
    assert.equal(ops.length, 2 + 2 + 2 + 2 + 2, 'one Scale operation per member added or removed');
  });
});
