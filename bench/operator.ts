// Operator benchmark on the local stack: `kubectl apply` of an EtcdCluster to Available for sizes
// 1, 3, 5, each as a ratio to the floor (a plain 3-pod etcd manifest on the same node, same run),
// and the operator process's RSS while it manages 20 clusters.
// Usage: node --import tsx bench/operator.ts [--runs N] [--clusters N]
import { readFileSync } from 'node:fs';
import { ensureStack } from '../test/support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { waitFor } from '../test/support/wait.ts';
import { readCluster } from '../test/support/clusters.ts';
import { LOOK_MS } from './support/look.ts';
import { measureFloor } from './floor.ts';
import { benchArgs } from './support/args.ts';
import { median } from './support/stats.ts';
import { emitRows, rowsOf } from './support/rows.ts';

const { runs, clusters } = benchArgs({ runs: 3, clusters: 20 });
const cluster = (name: string, spec: object) => JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec });

interface C { spec: { size: number }; status?: { readyMembers?: number; conditions?: { type: string; status: string }[] } }
const isAvailable = (c: C) => c.status?.readyMembers === c.spec.size && (c.status?.conditions ?? []).some((x) => x.type === 'Available' && x.status === 'True');
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

ensureStack();
// Measured as it runs in production: from the prebuilt workflow bundle, no webpack at startup.
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-op');
const operator = new OperatorProcess(ns);
operator.start();
try {
  const floor: number[] = [];
  const bySize: Record<number, number[]> = { 1: [], 3: [], 5: [] };
  for (let r = 0; r < runs; r++) {
    floor.push(await measureFloor());
    for (const size of [1, 3, 5]) {
      const name = `b${size}-${r}`;
      const t0 = performance.now();
      kubectl(['apply', '-n', ns, '-f', '-'], cluster(name, { size, storage: { size: '64Mi' } }));
      await waitFor(`${name} Available`, async () => isAvailable(await readCluster(ns, name) as C), { timeoutMs: 300_000, intervalMs: LOOK_MS });
      bySize[size]!.push((performance.now() - t0) / 1000);
      kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=true', '--timeout=180s']);
    }
  }
  const floorMedian = median(floor);

  const idleRss = rssMiB(operator.pid!);
  const names = Array.from({ length: clusters }, (_, i) => `m${i}`);
  for (const name of names) kubectl(['apply', '-n', ns, '-f', '-'], cluster(name, { size: 1, storage: { emptyDir: true } }));
  const t0 = performance.now();
  await waitFor(`${clusters} clusters Available`, () => kubectlJson<{ items: C[] }>(['get', 'etcdcluster', '-n', ns]).items.filter(isAvailable).length === clusters, { timeoutMs: 900_000, intervalMs: 1000 });
  const allAvailableSeconds = (performance.now() - t0) / 1000;
  const rssWithClusters = rssMiB(operator.pid!);
  for (const name of names) kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=false']);
  await waitFor('clusters deleted', () => kubectl(['get', 'etcdcluster', '-n', ns, '-o', 'name']).trim() === '', { timeoutMs: 600_000, intervalMs: 1000 });

  const result = {
    bench: 'operator', runs,
    floor3PodSeconds: { median: floorMedian, all: floor },
    applyToAvailableSeconds: Object.fromEntries(Object.entries(bySize).map(([s, xs]) => [s, { median: median(xs), ratioToFloor: median(xs) / floorMedian, all: xs }])),
    memory: { clusters, operatorRssMiBIdle: idleRss, operatorRssMiBWithClusters: rssWithClusters, allAvailableSeconds },
  };
  console.log(JSON.stringify(result, null, 2));
  console.log('\n| measure | value |\n|---|---|');
  console.log(`| floor: plain 3-pod etcd apply -> healthy | ${floorMedian.toFixed(2)} s |`);
  for (const [s, v] of Object.entries(result.applyToAvailableSeconds)) console.log(`| EtcdCluster size ${s}: apply -> Available | ${v.median.toFixed(2)} s (${v.ratioToFloor.toFixed(2)}x floor) |`);
  console.log(`| operator RSS idle / with ${clusters} clusters | ${idleRss.toFixed(0)} / ${rssWithClusters.toFixed(0)} MiB |`);
  console.log(`| ${clusters} one-member clusters applied at once -> all Available | ${allAvailableSeconds.toFixed(1)} s |`);

  const rowOf = rowsOf('operator');
  const floorRow = rowOf('floor: plain 3-pod etcd apply -> healthy', 's', floor);
  emitRows([
    floorRow,
    ...[1, 3, 5].map((size) => rowOf(`EtcdCluster size ${size}: apply -> Available`, 's', bySize[size]!, {
      baseline: floorRow,
      ...(size === 3 && { target: '<= 1.2x floor', check: (r) => r.ratio! <= 1.2 }),
    })),
    rowOf('operator RSS, idle', 'MiB', [idleRss]),
    rowOf(`operator RSS, ${clusters} clusters`, 'MiB', [rssWithClusters]),
    rowOf(`${clusters} one-member clusters applied at once -> all Available`, 's', [allAvailableSeconds]),
  ]);
} finally {
  await operator.stop();
  cleanup();
}
