// Several nodes (STACK_NODES=3, one zone each): members spread one per zone by default; a node with a
// member stopped as a machine dies, under a writer through the client Service, is detected by
// Kubernetes (NotReady), and after spec.recovery.nodeLossGracePeriodSeconds the member is replaced on
// a remaining node; no acknowledged write is lost; when the node comes back nothing of the old member
// rejoins and its volume is left alone. A drain of a node with a member moves it elsewhere.
// The extra nodes are tainted for this suite only, so stopping or draining them touches no other suite.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, eventReasons, getCluster, waitConverged, type Member } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { ensureNodes, startNode, stopNode } from '../support/stack.ts';
import { sampleValue, scrapeOperator } from '../support/metrics.ts';
import { waitFor } from '../support/wait.ts';
import { Writer, clientServiceEndpoint } from '../support/writer.ts';

const NAME = 'nl';
const TAINT_KEY = 'etcd.operator.dev/test-nodes';
const EXTRA = ['etcdop-node-2', 'etcdop-node-3'];
const GRACE_SECONDS = 10;
const execFileAsync = promisify(execFile);

interface PodList { items: { metadata: { name: string }; spec: { nodeName?: string } }[] }
interface NodeObj { metadata: { labels: Record<string, string> }; spec: { unschedulable?: boolean }; status: { conditions: { type: string; status: string }[] } }
const placement = (ns: string): Map<string, string> =>
  new Map(kubectlJson<PodList>(['get', 'pods', '-n', ns, '-l', `etcd.operator.dev/cluster=${NAME}`]).items.map((p) => [p.metadata.name, p.spec.nodeName ?? '']));
const node = (name: string) => kubectlJson<NodeObj>(['get', 'node', name]);
const nodeReady = (name: string) => node(name).status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
const memberIds = (ns: string) => getCluster(ns, NAME).status!.members!.map((m: Member) => `${m.name}=${m.id}`).sort();

describe('several nodes: spread, node loss, drain', () => {
  const suite = useOperatorNamespace('e2e-nodes');
  let ns: string;
  let writer: Writer;
  const timings: Record<string, number> = {};

  before(async () => {
    ({ ns } = suite);
    ensureNodes(3, `${TAINT_KEY}=node-loss:NoSchedule`);
    for (const n of EXTRA) await waitFor(`${n} Ready`, () => nodeReady(n), { timeoutMs: 120_000, intervalMs: 1000 });
  });
  after(async () => {
    await writer?.stop();
    for (const n of EXTRA) { startNode(n); kubectl(['uncordon', n]); }
  });

  it('a 3-member cluster lands one member per zone by default', { timeout: 300_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, {
      size: 3, storage: { size: '64Mi' },
      pod: { tolerations: [{ key: TAINT_KEY, operator: 'Exists', effect: 'NoSchedule' }] },
      recovery: { nodeLossGracePeriodSeconds: GRACE_SECONDS },
    }));
    await waitConverged(ns, NAME, 3, 240_000);
    const zones = [...placement(ns).values()].map((n) => node(n).metadata.labels['topology.kubernetes.io/zone']);
    assert.deepEqual(zones.sort(), ['zone-1', 'zone-2', 'zone-3'], `members by node: ${JSON.stringify([...placement(ns)])}`);
    writer = new Writer({ endpoints: [clientServiceEndpoint(ns, NAME)], prefix: 'node-loss' });
    writer.start();
  });

  it('a lost node\'s member is replaced on a remaining node after the grace period, and no acknowledged write is lost', { timeout: 400_000 }, async () => {
    const before = placement(ns);
    const leader = getCluster(ns, NAME).status!.members!.find((m) => m.leader)!.name;
    // The leader's node when it is an extra one (the harder case), else the first extra node with a member.
    const victimNode = EXTRA.includes(before.get(leader)!) ? before.get(leader)! : EXTRA.find((n) => [...before.values()].includes(n))!;
    const victim = [...before].find(([, n]) => n === victimNode)![0];
    const t0 = Date.now();
    stopNode(victimNode);
    await waitFor(`${victimNode} NotReady`, () => !nodeReady(victimNode), { timeoutMs: 120_000, intervalMs: 500 });
    timings.notReadyMs = Date.now() - t0;
    const c = await waitFor(`${victim} replaced`, async () => {
      const x = await waitConverged(ns, NAME, 3, 300_000);
      return !x.status!.members!.some((m) => m.name === victim) && x;
    }, { timeoutMs: 330_000, intervalMs: 500 });
    timings.recoveredMs = Date.now() - t0;
    const after = placement(ns);
    assert.equal(c.status!.members!.length, 3);
    for (const [pod, n] of after) assert.notEqual(n, victimNode, `${pod} runs on the stopped node`);
    const reasons = eventReasons(ns, NAME);
    for (const r of ['ReplaceMemberStarted', 'MemberRemoving', 'MemberJoining', 'MemberReplaced']) assert.ok(reasons.includes(r), `${r} in ${reasons}`);
    // The old volume is on the lost node: left alone, marked set aside, owned by no one.
    const pvc = kubectlJson<{ metadata: { labels: Record<string, string>; ownerReferences?: unknown[] } }>(['get', 'pvc', '-n', ns, `data-${victim}`]);
    assert.equal(pvc.metadata.labels['etcd.operator.dev/set-aside'], 'node-lost');
    assert.equal(pvc.metadata.ownerReferences, undefined);
    // The operator's metrics say the same: a ReplaceMember that succeeded, 3 of 3 ready, quorum kept,
    // and the Temporal SDK's own metrics passed on.
    const samples = await scrapeOperator(suite.operator.logFile);
    const of = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    assert.ok((of('etcd_operator_operations_total', { type: 'ReplaceMember', result: 'succeeded' }) ?? 0) >= 1, 'ReplaceMember counted');
    assert.ok((of('etcd_operator_operations_total', { type: 'ReplaceMember', result: 'started' }) ?? 0) >= 1, 'ReplaceMember start counted');
    assert.ok((of('etcd_operator_operation_duration_seconds_count', { type: 'ReplaceMember', result: 'succeeded' }) ?? 0) >= 1, 'its duration observed');
    assert.deepEqual(['etcd_cluster_members_desired', 'etcd_cluster_members_ready', 'etcd_cluster_quorum_lost'].map((n) => of(n, { namespace: ns, cluster: NAME })), [3, 3, 0]);
    assert.equal(of('etcd_cluster_condition', { namespace: ns, cluster: NAME, condition: 'Available', status: 'true' }), 1);
    assert.ok(samples.some((x) => x.name.startsWith('temporal_')), 'the SDK\'s metrics are there too');
    console.log(`node-loss: ${victim} on ${victimNode}; NotReady after ${timings.notReadyMs} ms, 3 healthy voters after ${timings.recoveredMs} ms (grace ${GRACE_SECONDS}s); members now ${JSON.stringify([...after])}`);

    // The node returns: nothing of the old member comes back, the members stay the same.
    const ids = memberIds(ns);
    startNode(victimNode);
    await waitFor(`${victimNode} Ready`, () => nodeReady(victimNode), { timeoutMs: 120_000, intervalMs: 500 });
    await new Promise((r) => setTimeout(r, 15_000)); // the returned kubelet syncs its pods in this time
    assert.deepEqual(memberIds(ns), ids, 'same members after the node came back');
    assert.ok(!placement(ns).has(victim), `no pod ${victim} again`);
    await waitConverged(ns, NAME, 3, 60_000);
    assert.ok(kubectlJson<{ metadata: { labels: Record<string, string> } }>(['get', 'pvc', '-n', ns, `data-${victim}`]).metadata.labels['etcd.operator.dev/set-aside'], 'its volume still left alone');
  });

  it('a drained node\'s member, whose local volume cannot follow it, is replaced elsewhere (the drain honours the PDB)', { timeout: 400_000 }, async () => {
    const before = placement(ns);
    // The extra node with the most members: two on one node is the case where a learner's pod, if
    // the budget counted it, would let the drain evict a voter the quorum needs.
    const count = (n: string) => [...before.values()].filter((x) => x === n).length;
    const drained = [...EXTRA].sort((a, b) => count(b) - count(a))[0]!;
    assert.ok(count(drained) >= 1, `a member on an extra node: ${JSON.stringify([...before])}`);
    const moved = [...before].filter(([, n]) => n === drained).map(([m]) => m);
    const t0 = Date.now();
    let quorumLost = false;
    const watch = setInterval(() => { try { if (getCluster(ns, NAME).status?.conditions?.some((c) => c.type === 'Available' && c.status === 'False')) quorumLost = true; } catch { /* a busy API server: next time */ } }, 1000);
    try {
      // Asynchronously, so the watch above runs while the drain waits on the budget.
      await execFileAsync('kubectl', ['drain', drained, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=300s']);
    } finally {
      clearInterval(watch);
    }
    assert.equal(quorumLost, false, 'the drain never took the cluster below quorum');
    const c = await waitFor(`${moved.join(', ')} moved off ${drained}`, async () => {
      const x = await waitConverged(ns, NAME, 3, 300_000);
      return !x.status!.members!.some((m) => moved.includes(m.name)) && x;
    }, { timeoutMs: 330_000, intervalMs: 500 });
    timings.drainMs = Date.now() - t0;
    for (const [pod, n] of placement(ns)) assert.notEqual(n, drained, `${pod} runs on the drained node`);
    assert.equal(c.status!.members!.length, 3);
    console.log(`drain: ${moved.join(', ')} moved off ${drained} in ${timings.drainMs} ms; members now ${JSON.stringify([...placement(ns)])}`);
    kubectl(['uncordon', drained]);
  });

  it('no acknowledged write was lost across all of it', { timeout: 120_000 }, async () => {
    await writer.stop();
    const v = await writer.verify();
    console.log(`node-loss writer: acked ${v.acked}, failed ${v.failed}, longest unavailability ${writer.longestUnavailableMs} ms`);
    assert.ok(v.acked > 100, `the writer made progress (${v.acked})`);
    assert.deepEqual(v.missing, []);
    assert.deepEqual(v.wrongValue, []);
  });
});
