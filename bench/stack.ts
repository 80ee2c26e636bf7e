// Measures the real-server stack: recorded cold build time of each cached tool, warm `stack:up`
// from fully down, a no-op `stack:up`, Temporal dev-server start, and the floor: `kubectl apply`
// of a plain 3-pod etcd cluster to all pods Ready and the cluster healthy.
// Prints JSON, then a short table. Usage: node --import tsx bench/stack.ts [--runs N]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ensureStack, repoRoot } from '../test/support/stack.ts';
import { measureFloor } from './floor.ts';
import { benchArgs } from './support/args.ts';
import { median } from './support/stats.ts';
import { emitRows, rowsOf } from './support/rows.ts';

const { runs } = benchArgs({ runs: 3 });
const stack = (cmd: string) => execFileSync('bash', [`${repoRoot}scripts/stack.sh`, cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const timed = (fn: () => void) => { const t0 = performance.now(); fn(); return (performance.now() - t0) / 1000; };

const tools = (JSON.parse(stack('list-tools')) as { tool: string; cached: boolean; build?: { version: string; buildSeconds: number } }[])
  .map((t) => ({ tool: t.tool, version: t.build?.version, coldBuildSeconds: t.build?.buildSeconds ?? null }));

const warmUp: number[] = [];
const noopUp: number[] = [];
const temporalStart: number[] = [];
for (let i = 0; i < runs; i++) {
  stack('down');
  warmUp.push(timed(() => stack('up')));
  noopUp.push(timed(() => stack('up')));
  const pid = readFileSync(`${process.env.HOME}/.local/state/etcd-operator/pids/temporal.pid`, 'utf8').trim();
  process.kill(-Number(pid), 'SIGTERM');
  execFileSync('bash', ['-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.1; done`]);
  temporalStart.push(timed(() => stack('up')));
}
ensureStack();
const floor: number[] = [];
for (let i = 0; i < runs; i++) floor.push(await measureFloor());

const result = {
  bench: 'stack', runs, tools,
  warmStackUpSeconds: { median: median(warmUp), all: warmUp },
  noopStackUpSeconds: { median: median(noopUp), all: noopUp },
  temporalDevServerStartSeconds: { median: median(temporalStart), all: temporalStart },
  floor3PodApplyToHealthySeconds: { median: median(floor), all: floor },
};
console.log(JSON.stringify(result, null, 2));
console.log('\n| measure | seconds |\n|---|---|');
for (const t of tools) console.log(`| cold build ${t.tool} ${t.version ?? ''} | ${t.coldBuildSeconds ?? 'n/a'} |`);
console.log(`| warm stack:up (from down), median | ${result.warmStackUpSeconds.median.toFixed(2)} |`);
console.log(`| no-op stack:up, median | ${result.noopStackUpSeconds.median.toFixed(2)} |`);
console.log(`| Temporal dev server start, median | ${result.temporalDevServerStartSeconds.median.toFixed(2)} |`);
console.log(`| floor: apply 3-pod etcd -> healthy, median | ${result.floor3PodApplyToHealthySeconds.median.toFixed(2)} |`);

const rowOf = rowsOf('stack');
emitRows([
  rowOf('warm stack:up (from down)', 's', warmUp),
  rowOf('no-op stack:up', 's', noopUp),
  rowOf('Temporal dev server start', 's', temporalStart),
  rowOf('floor: apply 3-pod etcd -> healthy', 's', floor),
]);
