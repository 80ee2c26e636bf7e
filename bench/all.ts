// `npm run bench`: every bench in turn, each a child process (`node --import tsx bench/<name>.ts
// --runs N`) printing its own JSON and table as it goes; then one table of all their rows
// (bench/support/rows.ts, passed back through $BENCH_ROWS_FILE), written to
// bench/results/<timestamp>.json and latest.json; with --readme also into README.md's bench table.
// A bench that fails is a line in the table, the run goes on, and the exit code is 1 at the end.
// Usage: npm run bench -- [--runs N] [--only a,b] [--skip a,b] [--readme]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/stack.ts';
import { benchArgs } from './support/args.ts';
import { parseRows, type Row } from './support/rows.ts';
import { renderTable, type Outcome } from './support/report.ts';
import { gitState, makeResults, writeResults } from './support/results.ts';
import { updateReadme } from './support/readme.ts';

// stack first: it takes the stack down and up again. node-loss last: it leaves two extra nodes up.
const BENCHES = ['stack', 'operator', 'failover', 'backup', 'upgrade', 'security', 'cli', 'scale', 'replicas', 'node-loss'];
const args = benchArgs({ runs: 3, only: '', skip: '', readme: false });
const names = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const only = names(args.only);
const skip = names(args.skip);
const unknown = [...only, ...skip].filter((b) => !BENCHES.includes(b));
if (!Number.isInteger(args.runs) || args.runs < 1) {
  console.error(`bench: --runs must be a whole number >= 1 (got ${args.runs})`);
  process.exit(2);
}
if (unknown.length) {
  console.error(`bench: no bench ${unknown.join(', ')} (there are: ${BENCHES.join(', ')})`);
  process.exit(2);
}

/** Nodes of the local stack: the first and its extra nodes (scripts/stack.sh status); 1 when it cannot tell. */
function stackNodes(): number {
  try {
    const status = JSON.parse(execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { components?: { node?: { extraNodes?: unknown[] } } };
    return 1 + (status.components?.node?.extraNodes?.length ?? 0);
  } catch {
    return 1;
  }
}

/**
 * node-loss needs a 3-node stack, and makes one itself (ensureNodes): two more nodes, each a kubelet
 * and containerd. It runs when asked by name, with STACK_NODES=3, or when the stack has 3 nodes already.
 */
function nodeLossSkipReason(): string | undefined {
  if (only.includes('node-loss') || Number(process.env.STACK_NODES ?? 1) >= 3) return undefined;
  const nodes = stackNodes();
  if (nodes >= 3) return undefined;
  return `needs a 3-node stack and this one has ${nodes}: run it by name (--only node-loss), with STACK_NODES=3, or after \`STACK_NODES=3 npm run stack:up\``;
}

const start = { date: new Date(), ...gitState() };
const selected = BENCHES.filter((b) => (only.length === 0 || only.includes(b)) && !skip.includes(b));
// Decided before the stack bench runs: it takes the extra nodes down with the stack.
const skipped = new Map<string, string>();
if (selected.includes('node-loss')) {
  const why = nodeLossSkipReason();
  if (why) skipped.set('node-loss', why);
}
for (const [bench, why] of skipped) console.error(`bench: skipping ${bench}: ${why}`);

const dir = mkdtempSync(join(tmpdir(), 'bench-rows-'));
const outcomes: Outcome[] = [];
const rows: Row[] = [];
for (const bench of selected) {
  if (skipped.has(bench)) {
    outcomes.push({ bench, status: 'skipped', reason: skipped.get(bench) });
    continue;
  }
  const file = join(dir, `${bench}.jsonl`);
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_ROWS_FILE: file };
  // The others measure the usual stack: STACK_NODES would make the stack bench time a 3-node `up`.
  if (bench !== 'node-loss') delete env.STACK_NODES;
  console.error(`\nbench: ${bench} (--runs ${args.runs})`);
  const t0 = performance.now();
  const p = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', `${bench}.ts`), '--runs', String(args.runs)], { cwd: repoRoot, env, stdio: 'inherit' });
  const seconds = Math.round((performance.now() - t0) / 100) / 10;
  let failure = p.error?.message ?? (p.signal ? `killed by ${p.signal}` : p.status !== 0 ? `exit ${p.status}` : undefined);
  try {
    const emitted = existsSync(file) ? parseRows(readFileSync(file, 'utf8')) : [];
    rows.push(...emitted);
    if (!failure && emitted.length === 0) failure = 'exit 0 but no rows';
  } catch (e) {
    failure ??= `rows unreadable: ${(e as Error).message}`;
  }
  outcomes.push(failure ? { bench, status: 'failed', reason: failure, seconds } : { bench, status: 'ok', seconds });
  if (failure) console.error(`bench: ${bench} failed (${failure}); going on`);
}
rmSync(dir, { recursive: true, force: true });

const results = makeResults(start, args.runs, outcomes, rows);
const file = writeResults(results);
console.log(`\n${renderTable(rows, outcomes)}\n`);
console.error(`bench: results in ${file} and bench/results/latest.json`);
if (args.readme) {
  updateReadme(results);
  console.error('bench: README.md bench table updated');
}
process.exit(outcomes.some((o) => o.status === 'failed') ? 1 : 0);
