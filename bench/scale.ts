// Scale benchmark: one operator (compiled, as in production) with N clusters of one member each.
// Measured: the operator's memory (RSS) with no cluster (the baseline) and with N; its Kubernetes API
// requests per cluster and minute while every cluster idles (its own counter,
// etcd_operator_kube_api_requests_total, split by verb and resource); and how long a CR change takes
// to reach the cluster's workflow (the API server's answer to the spec patch -> the signal's event in
// the workflow history; the operator sees the change through its watch), p50/p99; and the operator's
// CPU time, to create them and while they idle.
// Usage: node --import tsx bench/scale.ts [--clusters N] [--idle SECONDS]   (needs the stack)
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { repoRoot, ensureStack } from '../test/support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { clusterYaml } from '../test/support/clusters.ts';
import { scrapeOperator, type Sample } from '../test/support/metrics.ts';
import { waitFor } from '../test/support/wait.ts';
import { clusterWorkflowId } from '../domain/ids.ts';
import { Kube } from '../k8s/kube-client.ts';
import { benchArgs } from './support/args.ts';
import { emitRows, rowsOf } from './support/rows.ts';

// One run: N clusters are the samples (the signal latencies); --runs is not an option here.
const { clusters, idle: idleSeconds } = benchArgs({ clusters: 100, idle: 120 });
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const quantile = (xs: number[], q: number) => { const s = sorted(xs); return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!; };
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** RSS by kind of mapping (/proc/<pid>/smaps): glibc's main heap, anonymous memory (both V8 heaps, the other malloc arena, stacks), files (node, Temporal's native module). */
function rssByKind(pid: number): { mallocHeap: number; anonymous: number; files: number } {
  const out = { mallocHeap: 0, anonymous: 0, files: 0 };
  let kind: keyof typeof out = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) { const name = head[1]!; kind = name === '[heap]' ? 'mallocHeap' : name.startsWith('/') ? 'files' : 'anonymous'; continue; }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]) / 1024;
  }
  return { mallocHeap: Math.round(out.mallocHeap), anonymous: Math.round(out.anonymous), files: Math.round(out.files) };
}
/** CPU time the process has used, user + system (/proc/<pid>/stat, in clock ticks of 1/100 s). */
const cpuSeconds = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const requests = (samples: Sample[]) => samples.filter((s) => s.name === 'etcd_operator_kube_api_requests_total');
const total = (samples: Sample[]) => requests(samples).reduce((a, s) => a + s.value, 0);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ClusterItem { metadata: { name: string; uid: string; generation: number }; status?: { observedGeneration?: number; readyMembers?: number; conditions?: { type: string; status: string }[] } }
const list = (ns: string) => kubectlJson<{ items: ClusterItem[] }>(['get', 'etcdclusters.etcd.operator.dev', '-n', ns]).items;
const converged = (c: ClusterItem) => (c.status?.readyMembers ?? 0) >= 1 && (c.status?.observedGeneration ?? 0) >= c.metadata.generation
  && (c.status?.conditions ?? []).some((x) => x.type === 'Available' && x.status === 'True');

ensureStack();
execFileSync('npm', ['run', '-s', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-scale');
const operator = new OperatorProcess(ns);
operator.start();
const kube = Kube.fromDefault();
const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
const result: Record<string, unknown> = { clusters, idleSeconds };
const latencies: number[] = [];
try {
  await scrapeOperator(operator.logFile);
  await settle(10_000);
  result.rssIdleOperatorMiB = rssMiB(operator.pid!);
  result.rssByKindIdleMiB = rssByKind(operator.pid!);

  const t0 = Date.now();
  const cpu0 = cpuSeconds(operator.pid!);
  const manifests = Array.from({ length: clusters }, (_, i) => clusterYaml(`s${i}`, { size: 1, storage: { emptyDir: true } }));
  kubectl(['apply', '-n', ns, '-f', '-'], `{"apiVersion":"v1","kind":"List","items":[${manifests.join(',')}]}`);
  await waitFor(`${clusters} clusters converged`, () => list(ns).filter(converged).length === clusters, { timeoutMs: clusters * 30_000, intervalMs: 5000 });
  result.createAllSeconds = (Date.now() - t0) / 1000;
  result.operatorCpuCreateSeconds = Number((cpuSeconds(operator.pid!) - cpu0).toFixed(1));

  // Idle: nothing changes; what the operator still asks the API server for.
  await settle(30_000);
  const before = await scrapeOperator(operator.logFile);
  const idleCpu0 = cpuSeconds(operator.pid!);
  await settle(idleSeconds * 1000);
  result.operatorCpuIdlePercent = Number(((cpuSeconds(operator.pid!) - idleCpu0) / idleSeconds * 100).toFixed(1));
  const after = await scrapeOperator(operator.logFile);
  const perClusterMinute = (total(after) - total(before)) / clusters / (idleSeconds / 60);
  result.idleRequestsPerClusterMinute = Number(perClusterMinute.toFixed(2));
  result.idleRequestsByVerbResource = Object.fromEntries(requests(after).map((s) => {
    const was = requests(before).find((b) => b.labels.verb === s.labels.verb && b.labels.resource === s.labels.resource)?.value ?? 0;
    return [`${s.labels.verb} ${s.labels.resource}`, Number(((s.value - was) / clusters / (idleSeconds / 60)).toFixed(2))];
  }).filter(([, v]) => (v as number) > 0));
  result.rssWithClustersMiB = rssMiB(operator.pid!);
  result.rssByKindWithClustersMiB = rssByKind(operator.pid!);
  // Where the memory is: the V8 heap (used, committed) and what lies outside it (the SDK's native core, buffers).
  const mib = (name: string) => Number(((after.find((x) => x.name === name)?.value ?? 0) / 1048576).toFixed(1));
  result.heapWithClustersMiB = { used: mib('nodejs_heap_size_used_bytes'), total: mib('nodejs_heap_size_total_bytes'), external: mib('nodejs_external_memory_bytes') };

  // CR change -> workflow signalled: patch each cluster (spec.paused) through the API, one every 100 ms;
  // the change counts from the API server's answer (it is stored then), to the signal's event in the loop's history.
  const items = list(ns);
  const patchedAt = new Map<string, number>();
  for (const c of items) {
    await kube.patchCluster(ns, c.metadata.name, { spec: { paused: true } });
    patchedAt.set(c.metadata.name, Date.now());
    await settle(100);
  }
  await settle(10_000);
  for (const c of items) {
    const history = await client.workflow.getHandle(clusterWorkflowId({ namespace: ns, name: c.metadata.name, uid: c.metadata.uid })).fetchHistory();
    const at = patchedAt.get(c.metadata.name)!;
    const signalled = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'specChanged')
      .map((e) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6)).filter((t) => t >= at - 1000);
    if (signalled.length) latencies.push(Math.max(0, Math.min(...signalled) - at));
  }
  result.signalled = `${latencies.length}/${items.length}`;
  result.changeToSignalMs = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) };
} finally {
  // Deleting 100 clusters takes minutes, longer than a kubectl process may run (120 s): asked for
  // at once, then waited for.
  kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', ns, '--wait=false']);
  await waitFor(`${clusters} clusters deleted`, () => list(ns).length === 0, { timeoutMs: 900_000, intervalMs: 5000 });
  await operator.stop();
  await connection.close();
  cleanup();
}

console.log(JSON.stringify(result, null, 2));
const rows: [string, string, string][] = [
  ['operator RSS, no cluster (baseline)', `${(result.rssIdleOperatorMiB as number).toFixed(0)} MiB`, ''],
  [`operator RSS, ${clusters} clusters`, `${(result.rssWithClustersMiB as number).toFixed(0)} MiB`, `${((result.rssWithClustersMiB as number) / (result.rssIdleOperatorMiB as number)).toFixed(2)}x baseline; target <= 300 MB`],
  ['API requests per cluster and minute, idle', String(result.idleRequestsPerClusterMinute), 'target <= 6'],
  ['CR change -> workflow signalled, p99', `${(result.changeToSignalMs as { p99: number }).p99} ms`, `p50 ${(result.changeToSignalMs as { p50: number }).p50} ms; target p99 <= 250 ms`],
  [`create of ${clusters} one-member clusters`, `${result.createAllSeconds} s`, `operator CPU ${result.operatorCpuCreateSeconds} s`],
  [`operator CPU, ${clusters} clusters idle`, `${result.operatorCpuIdlePercent} %`, 'of one core'],
];
for (const [what, value, note] of rows) console.log(`${what.padEnd(45)} ${value.padStart(10)}  ${note}`);

const rowOf = rowsOf('scale');
const rssIdle = rowOf('operator RSS, no cluster', 'MiB', [result.rssIdleOperatorMiB as number]);
emitRows([
  rssIdle,
  rowOf(`operator RSS, ${clusters} clusters`, 'MiB', [result.rssWithClustersMiB as number], { baseline: rssIdle, target: '<= 300 MB (286 MiB)', check: (r) => r.median * 1024 * 1024 <= 300e6 }),
  rowOf(`API requests per cluster and minute, ${clusters} clusters idle`, 'req/min', [result.idleRequestsPerClusterMinute as number], { target: '<= 6', check: (r) => r.median <= 6 }),
  rowOf('CR change -> workflow signalled (runs: clusters signalled)', 'ms', latencies),
  rowOf('CR change -> workflow signalled, p99', 'ms', latencies.length ? [(result.changeToSignalMs as { p99: number }).p99] : [], { target: '<= 250 ms', check: (r) => r.median <= 250 }),
  rowOf(`create of ${clusters} one-member clusters -> all converged`, 's', [result.createAllSeconds as number]),
  rowOf(`operator CPU time, create of ${clusters} one-member clusters`, 's', [result.operatorCpuCreateSeconds as number]),
  rowOf(`operator CPU, ${clusters} clusters idle (% of one core)`, '%', [result.operatorCpuIdlePercent as number]),
]);
