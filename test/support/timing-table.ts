// Prints the timing table of a test run from timing-reporter.mjs's JSON lines (one per runner
// invocation): each suite's wall time, slowest first, the 10 slowest tests, and the totals.
//   node --import tsx test/support/timing-table.ts <file.jsonl> <total wall seconds>
// It also records each suite's time for the next run's order (suite-order.ts).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { suiteTimesPath } from './suite-times.ts';

interface RunTimings {
  files: { file: string; wallMs: number; passed: number; failed: number }[];
  tests: { file: string; name: string; ms: number }[];
}

const [path, wall] = process.argv.slice(2);
const runs = readFileSync(path!, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunTimings);
const files = runs.flatMap((r) => r.files).sort((a, b) => b.wallMs - a.wallMs);
const tests = runs.flatMap((r) => r.tests).sort((a, b) => b.ms - a.ms).slice(0, 10);
const s = (ms: number) => `${(ms / 1000).toFixed(1)}s`.padStart(8);

const lines = ['', 'suite wall times (suites run side by side; see scripts/test.sh):'];
for (const f of files) lines.push(`${s(f.wallMs)}  ${f.file}  (${f.passed} passed${f.failed ? `, ${f.failed} FAILED` : ''})`);
lines.push('', '10 slowest tests:');
for (const t of tests) lines.push(`${s(t.ms)}  ${t.file}: ${t.name.length > 110 ? `${t.name.slice(0, 107)}...` : t.name}`);
const passed = files.reduce((n, f) => n + f.passed, 0);
const failed = files.reduce((n, f) => n + f.failed, 0);
lines.push('', `whole run: ${wall}s wall, ${files.length} suites, sum of suite times ${(files.reduce((n, f) => n + f.wallMs, 0) / 1000).toFixed(0)}s`);
lines.push(`tests: ${passed} passed, ${failed} failed`);
console.log(lines.join('\n'));

try {
  const path = suiteTimesPath();
  let known: Record<string, number> = {};
  try {
    known = JSON.parse(readFileSync(path, 'utf8')) as Record<string, number>;
  } catch {
    // first run on this machine
  }
  for (const f of files) known[f.file] = f.wallMs;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(known, null, 1)}\n`);
} catch (e) {
  console.log(`(suite times not recorded: ${(e as Error).message})`);
}
