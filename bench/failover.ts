// Failover and resize benchmark on the local stack, against a baseline measured in the same run:
// the bare pod restart (a member of a plain 3-pod etcd cluster deleted and recreated on its volume,
// no operator) vs the operator's failover of a follower and of the leader (pod deleted -> back to
// full size, all healthy), one scale-up and one scale-down step, and the replacement of a member
// that lost its data (its PVC and pod deleted), with a writer counting failed writes.
// Usage: node --import tsx bench/failover.ts [--runs N]
import { ensureStack } from '../test/support/stack.ts';
import { etcdImage, fixture, kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { clusterYaml, getCluster, podUids, waitConverged } from '../test/support/clusters.ts';
import { LOOK_MS } from './support/look.ts';
import { ETCD_CONTAINER } from '../k8s/manifests/member-pod.ts';
import { memberServing } from '../test/support/member-serving.ts';
import { waitFor } from '../test/support/wait.ts';
import { Writer, clientServiceEndpoint } from '../test/support/writer.ts';
import { benchArgs } from './support/args.ts';
import { median, seconds } from './support/stats.ts';
import { emitRows, rowsOf, targetsMet } from './support/rows.ts';

const { runs } = benchArgs({ runs: 3 });
const manifest = new URL('../test/e2e/fixtures/etcd-3pod.yaml', import.meta.url);



/** Baseline: a member of a plain 3-pod cluster deleted and created again on its volume. */
async function bareRestart(): Promise<number> {
  const { ns, cleanup } = tempNamespace('bench-bare');
  try {
    const yaml = fixture(manifest, { NS: ns, IMAGE: etcdImage('3.6.16') });
    kubectl(['apply', '-n', ns, '-f', '-'], yaml);
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', 'etcd-0', 'etcd-1', 'etcd-2', '--timeout=180s']);
    const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'pod', '-n', ns, 'etcd-1']).metadata.uid;
    const t0 = performance.now();
    kubectl(['delete', 'pod', '-n', ns, 'etcd-1', '--wait=true']);
    kubectl(['apply', '-n', ns, '-f', '-'], yaml);
    await memberServing(ns, 'etcd-1', uid);
    return seconds(t0);
  } finally {
    cleanup();
  }
}

interface Event { seconds: number; serving: number; failedWrites: number; unavailableMs: number; publishRetried?: boolean }

/**
 * The new member's etcd waited out its first publish (7 s) before serving: the leader sent it a
 * snapshot that already held that publish, so etcd never saw its own request applied
 * (etcd-io/etcd#18534, open upstream). Possible once the leader's log no longer starts at its first
 * entry (etcd 3.6 keeps the last 5000), i.e. on any cluster that has been written to; a race decides.
 */
async function publishRetried(ns: string, member: string): Promise<boolean> {
  // The pod's status can lag etcd itself: a member already promoted and healthy may still be
  // reported at its init container, whose logs the API server then refuses for a moment.
  const { log } = await waitFor(`${member}'s etcd log`, () => {
    try {
      return { log: kubectl(['logs', '-n', ns, member, '-c', ETCD_CONTAINER]) };
    } catch {
      return undefined;
    }
  }, { timeoutMs: 60_000, intervalMs: 250 });
  return /failed to publish local member to cluster through raft/.test(log);
}

ensureStack();
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-fo');
const operator = new OperatorProcess(ns);
operator.start();
const results: Record<string, Event[]> = { follower: [], leader: [], scaleUp: [], scaleDown: [], replace: [] };
const bare: number[] = [];
let lost = 0;
try {
  for (let r = 0; r < runs; r++) {
    bare.push(await bareRestart());
    const name = `fo${r}`;
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: 3, storage: { size: '64Mi' } }));
    await waitConverged(ns, name, 3);
    const writer = new Writer({ endpoints: [clientServiceEndpoint(ns, name)], prefix: `bench${r}` });
    writer.start();
    const measure = async (what: string, fn: () => Promise<number | undefined>, until: () => Promise<unknown>) => {
      const before = { failed: writer.failedWrites, unavailable: writer.longestUnavailableMs };
      writer.longestUnavailableMs = 0;
      const t0 = performance.now();
      const serving = await fn();
      await until();
      results[what]!.push({ seconds: seconds(t0), serving: serving ?? seconds(t0), failedWrites: writer.failedWrites - before.failed, unavailableMs: writer.longestUnavailableMs });
      writer.longestUnavailableMs = Math.max(writer.longestUnavailableMs, before.unavailable);
    };
    for (const role of ['follower', 'leader'] as const) {
      const victim = getCluster(ns, name).status!.members!.find((m) => m.leader === (role === 'leader'))!.name;
      const uid = podUids(ns, name).get(victim)!;
      await measure(role, async () => {
        const t0 = performance.now();
        kubectl(['delete', 'pod', '-n', ns, victim, '--wait=false']);
        await memberServing(ns, victim, uid);
        return seconds(t0);
      }, () => waitConverged(ns, name, 3, 180_000, LOOK_MS));
    }
    const resize = (size: number) => async () => { kubectl(['patch', 'etcdcluster', '-n', ns, name, '--type=merge', '-p', JSON.stringify({ spec: { size } })]); return undefined; };
    const members = () => new Set(getCluster(ns, name).status!.members!.map((m) => m.name));
    const markJoin = async (what: string, before: Set<string>) => {
      const joined = [...members()].find((m) => !before.has(m))!;
      results[what]!.at(-1)!.publishRetried = await publishRetried(ns, joined);
    };
    const beforeScaleUp = members();
    await measure('scaleUp', resize(4), () => waitConverged(ns, name, 4, 180_000, LOOK_MS));
    await markJoin('scaleUp', beforeScaleUp);
    await measure('scaleDown', resize(3), () => waitConverged(ns, name, 3, 180_000, LOOK_MS));
    const lostData = getCluster(ns, name).status!.members!.find((m) => !m.leader)!.name;
    const beforeReplace = members();
    await measure('replace', async () => {
      kubectl(['delete', 'pvc', '-n', ns, `data-${lostData}`, '--wait=false']);
      kubectl(['delete', 'pod', '-n', ns, lostData, '--wait=false']);
      return undefined;
    }, () => waitFor(`${lostData} replaced`, async () => {
      const c = await waitConverged(ns, name, 3, 240_000, LOOK_MS);
      return !c.status!.members!.some((m) => m.name === lostData) && c;
    }, { timeoutMs: 240_000, intervalMs: LOOK_MS }));
    await markJoin('replace', beforeReplace);
    await writer.stop();
    lost += (await writer.verify()).missing.length;
    kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=true', '--timeout=180s']);
  }
} finally {
  // A run that failed leaves its cluster: deleted while the operator runs (its finalizer needs it),
  // or the namespace's deletion times out and its error hides the run's own.
  kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=180s']);
  await operator.stop();
  cleanup();
}

const bareMedian = median(bare);
const summary = Object.fromEntries(Object.entries(results).map(([k, xs]) => [k, {
  medianSeconds: median(xs.map((x) => x.seconds)),
  medianServingSeconds: median(xs.map((x) => x.serving)),
  ratioToBareRestart: median(xs.map((x) => x.seconds)) / bareMedian,
  failedWrites: xs.reduce((a, x) => a + x.failedWrites, 0),
  longestUnavailableMs: Math.max(...xs.map((x) => x.unavailableMs)),
  all: xs,
}]));
const label: Record<string, string> = { follower: 'follower pod deleted -> 3 healthy', leader: 'leader pod deleted -> 3 healthy', scaleUp: 'scale 3 -> 4 -> Available', scaleDown: 'scale 4 -> 3 -> Available', replace: 'member lost its data (PVC + pod deleted) -> replaced, 3 healthy' };
const rowOf = rowsOf('failover');
const bareRow = rowOf('bare pod restart (delete + create on its volume -> serving)', 's', bare);
const timesOf = (k: string) => results[k]!.map((x) => x.seconds);
// The targets: failover within a bare restart + 1 s, one member more within 2x a bare restart,
// a member that lost its data replaced within 2.5x.
const withinBarePlus1s = { target: '<= bare restart + 1 s', check: (r: { median: number }) => r.median <= bareRow.median + 1 };
const benchRows = [
  bareRow,
  rowOf(label.follower!, 's', timesOf('follower'), { baseline: bareRow, ...withinBarePlus1s }),
  rowOf(label.leader!, 's', timesOf('leader'), { baseline: bareRow, ...withinBarePlus1s }),
  rowOf(label.scaleUp!, 's', timesOf('scaleUp'), { baseline: bareRow, target: '<= 2x bare restart', check: (r) => r.ratio! <= 2 }),
  rowOf(label.scaleDown!, 's', timesOf('scaleDown'), { baseline: bareRow }),
  rowOf(label.replace!, 's', timesOf('replace'), { baseline: bareRow, target: '<= 2.5x bare restart', check: (r) => r.ratio! <= 2.5 }),
  // Not ours to fix: says which of the times above carry etcd's 7 s publish timeout.
  rowOf('scale-ups + replacements whose new etcd waited out its first publish (7 s, etcd-io/etcd#18534)', 'joins', [[...results.scaleUp!, ...results.replace!].filter((x) => x.publishRetried).length]),
];
console.log(JSON.stringify({ bench: 'failover', runs, bareRestartSeconds: { median: bareMedian, all: bare }, ...summary, acknowledgedWritesLost: lost, targets: targetsMet(benchRows) }, null, 2));
console.log('\n| measure | median | ratio to bare restart | failed writes | longest unavailability |\n|---|---|---|---|---|');
console.log(`| bare pod restart (delete + create on its volume -> serving) | ${bareMedian.toFixed(2)} s | 1.00 | - | - |`);
for (const [k, v] of Object.entries(summary)) {
  const serving = k === 'follower' || k === 'leader' ? ` (its etcd serving after ${v.medianServingSeconds.toFixed(2)} s)` : '';
  console.log(`| ${label[k]} | ${v.medianSeconds.toFixed(2)} s${serving} | ${v.ratioToBareRestart.toFixed(2)} | ${v.failedWrites} | ${v.longestUnavailableMs} ms |`);
}
console.log(`| acknowledged writes lost | ${lost} | | | |`);
const retried = (k: string) => results[k]!.map((x) => (x.publishRetried ? 'yes' : 'no')).join(', ');
console.log(`\nThe new member's etcd waited out its first publish (7 s, etcd-io/etcd#18534): scale-up ${retried('scaleUp')}; replacement ${retried('replace')}.`);
emitRows(benchRows);
