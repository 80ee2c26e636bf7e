// Where members run, on the one-node stack: by default they prefer other nodes and zones, which
// on one node still lets all three run there; a member no node takes (a required anti-affinity per
// node, one node) is reported with the scheduler's own reason, a condition and an Event, while the
// operation waits for it; deleting the cluster ends the wait.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, waitAvailable, waitConverged } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';

interface PodList { items: { metadata: { name: string }; spec: { nodeName?: string; affinity?: Record<string, unknown>; topologySpreadConstraints?: unknown[] } }[] }
const progressing = (ns: string, name: string) => getCluster(ns, name).status?.conditions?.find((c) => c.type === 'Progressing');
const events = (ns: string, name: string, reason: string) =>
  kubectlJson<{ items: { type: string; message: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`]).items;

describe('member placement', () => {
  const ctx = useOperatorNamespace('e2e-sched');

  it('by default members prefer other nodes and zones (preferred, so three still run on the one node)', { timeout: 300_000 }, async () => {
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], clusterYaml('spread', { size: 3, storage: { size: '64Mi' } }));
    await waitConverged(ctx.ns, 'spread', 3, 240_000);
    const pods = kubectlJson<PodList>(['get', 'pods', '-n', ctx.ns, '-l', 'etcd.operator.dev/cluster=spread']).items;
    assert.equal(pods.length, 3);
    const members = { matchLabels: { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'spread' } };
    for (const p of pods) {
      assert.deepEqual(p.spec.affinity, { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: members } }] } }, p.metadata.name);
      assert.deepEqual(p.spec.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: members }], p.metadata.name);
    }
    assert.equal(new Set(pods.map((p) => p.spec.nodeName)).size, 1, 'one node: all three on it');
    kubectl(['delete', 'etcdcluster', '-n', ctx.ns, 'spread', '--wait=true', '--timeout=120s']);
  });

  it('a member no node takes (required anti-affinity per node, one node) is reported: Progressing MemberUnschedulable and a Warning Event with the scheduler\'s reason, while the scale waits', { timeout: 300_000 }, async () => {
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'etcd.operator.dev/cluster': 'strict' } } }] } };
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], clusterYaml('strict', { size: 1, storage: { size: '64Mi' }, pod: { affinity } }));
    await waitAvailable(ctx.ns, 'strict', 180_000);
    kubectl(['patch', 'etcdcluster', '-n', ctx.ns, 'strict', '--type=merge', '-p', JSON.stringify({ spec: { size: 2 } })]);

    const why = /^member strict-\S+ cannot be scheduled: 0\/\d+ nodes are available: (.* )?1 node\(s\) didn't match pod anti-affinity rules/;
    const p = await waitFor('Progressing MemberUnschedulable', () => { const c = progressing(ctx.ns, 'strict'); return c?.reason === 'MemberUnschedulable' && c; }, { timeoutMs: 120_000, intervalMs: 1000 });
    assert.equal(p.status, 'True');
    assert.match(p.message ?? '', why);
    const ev = await waitFor('a MemberUnschedulable Event', () => events(ctx.ns, 'strict', 'MemberUnschedulable')[0], { timeoutMs: 30_000, intervalMs: 1000 });
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, why);
    // One Event for the pod, however often the wait looks again.
    await new Promise((r) => setTimeout(r, 6000));
    assert.equal(events(ctx.ns, 'strict', 'MemberUnschedulable').length, 1);
    const c = getCluster(ctx.ns, 'strict');
    assert.equal(c.status?.operation?.type, 'Scale', 'the scale still runs: it waits, it has not failed');
    assert.equal(c.status?.conditions?.find((x) => x.type === 'Available')?.status, 'True', 'the one member still serves');
  });
});
