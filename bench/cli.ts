// CLI start-up benchmark, against kubectl in the same run: `etcdop --help`, `etcdop status <cluster>`
// and `etcdop ops list` (compiled, dist/ from `npm run build`; and from the sources through tsx, as a
// fresh clone runs it) against `kubectl get etcdclusters.etcd.operator.dev <cluster>`. Each command is
// a whole process, run alternately after one warm-up; wall times as median, min and max.
// Usage: node --import tsx bench/cli.ts [--runs N]   (builds dist/ first; needs the stack)
import { execFileSync, spawnSync } from 'node:child_process';
import { ensureStack, repoRoot } from '../test/support/stack.ts';
import { kubectl, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { clusterYaml, waitAvailable } from '../test/support/clusters.ts';
import { benchArgs } from './support/args.ts';
import { median } from './support/stats.ts';
import { emitRows, rowsOf, targetsMet, type RowOptions } from './support/rows.ts';

const { runs } = benchArgs({ runs: 10 });

ensureStack();
execFileSync('npm', ['run', '-s', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-cli');
const operator = new OperatorProcess(ns);
operator.start();
const etcdop = `${repoRoot}bin/etcdop.js`;
const commands: Record<string, { argv: string[]; env?: Record<string, string> }> = {
  'kubectl get etcdcluster (baseline)': { argv: ['kubectl', 'get', 'etcdclusters.etcd.operator.dev', 'bench', '-n', ns] },
  'etcdop --help': { argv: [process.execPath, etcdop, '--help'] },
  'etcdop status bench': { argv: [process.execPath, etcdop, 'status', 'bench', '-n', ns] },
  'etcdop ops list -c bench': { argv: [process.execPath, etcdop, 'ops', 'list', '-c', 'bench', '-n', ns] },
  'etcdop --help (sources, tsx)': { argv: [process.execPath, etcdop, '--help'], env: { ETCDOP_FROM_SOURCE: '1' } },
  'etcdop status bench (sources, tsx)': { argv: [process.execPath, etcdop, 'status', 'bench', '-n', ns], env: { ETCDOP_FROM_SOURCE: '1' } },
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
try {
  kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('bench', { size: 1, storage: { size: '64Mi' } }));
  await waitAvailable(ns, 'bench');
  for (let r = -1; r < runs; r++) {
    for (const [label, c] of Object.entries(commands)) {
      const t0 = performance.now();
      const p = spawnSync(c.argv[0]!, c.argv.slice(1), { env: { ...process.env, ...c.env }, encoding: 'utf8' });
      const ms = performance.now() - t0;
      if (p.status !== 0) throw new Error(`${label} failed (${p.status}): ${p.stderr}`);
      if (r >= 0) times[label]!.push(ms / 1000);
    }
  }
} finally {
  kubectl(['delete', 'etcdcluster', '-n', ns, 'bench', '--wait=true', '--timeout=120s']);
  await operator.stop();
  cleanup();
}

const base = median(times['kubectl get etcdcluster (baseline)']!);
const rows = Object.entries(times).map(([label, xs]) => ({ label, medianSeconds: median(xs), min: Math.min(...xs), max: Math.max(...xs), ratioToKubectl: median(xs) / base }));
const rowOf = rowsOf('cli');
const baseline = rowOf('kubectl get etcdcluster (baseline)', 's', times['kubectl get etcdcluster (baseline)']!);
// The targets are absolute wall times of the compiled CLI.
const targets: Record<string, RowOptions> = {
  'etcdop --help': { target: '<= 0.3 s', check: (r) => r.median <= 0.3 },
  'etcdop status bench': { target: '<= 0.5 s', check: (r) => r.median <= 0.5 },
};
const benchRows = [baseline, ...Object.entries(times).filter(([label]) => label !== baseline.measure).map(([label, xs]) => rowOf(label, 's', xs, { baseline, ...targets[label] }))];
console.log(JSON.stringify({ bench: 'cli', runs, rows, targets: targetsMet(benchRows) }, null, 2));
console.log('\n| command (a whole process) | median | min-max | ratio to kubectl get |\n|---|---|---|---|');
for (const r of rows) console.log(`| ${r.label} | ${r.medianSeconds.toFixed(3)} s | ${r.min.toFixed(3)}-${r.max.toFixed(3)} s | ${r.ratioToKubectl.toFixed(2)} |`);
emitRows(benchRows);
