// The operator's V8 flags give back the heap pages a burst leaves behind. Since V8 13.6 (Node 24) a
// GC keeps freed pages in a pool, resident, until a GC that reduces memory; without the flags a busy
// process keeps them (measured: 264 MiB of 256 KiB pages 25 s after a burst, in a loop like this one).
// A child process makes a burst in a worker thread (as the workflow thread's are), then both threads
// allocate a little, as the operator does, until the pages are back or the deadline passes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

const script = `
import { applyOperatorV8Flags } from './worker/runtime-env.ts';
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
applyOperatorV8Flags();
/** RSS of V8's heap pages: anonymous mappings of exactly 256 KiB. */
const pagesMiB = () => {
  let anonymous = false, kib = 0, rss = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \\S+ \\S+ \\S+ \\S+\\s*(.*)$/.exec(line);
    if (head) { kib = (parseInt(head[2], 16) - parseInt(head[1], 16)) / 1024; anonymous = head[3] === ''; continue; }
    const r = /^Rss:\\s+(\\d+)/.exec(line);
    if (r && anonymous && kib === 256) rss += Number(r[1]);
  }
  return rss / 1024;
};
const thread = \`
  const { parentPort } = await import('node:worker_threads');
  let burst = [];
  for (let i = 0; i < 30; i++) burst.push(new Array(100000).fill(0).map((_, j) => ({ j, s: 'x' + j })));
  burst = null;
  parentPort.postMessage('burst');
  setInterval(() => JSON.stringify(new Array(1000).fill({ a: 1 })), 20);
\`;
const worker = new Worker(thread, { eval: true });
await new Promise((resolve) => worker.once('message', resolve));
const peak = pagesMiB();
const ticker = setInterval(() => JSON.stringify(new Array(1000).fill({ a: 1 })), 20);
const deadline = Date.now() + 40_000;
let now = peak;
while (Date.now() < deadline && now > peak / 4) { await new Promise((r) => setTimeout(r, 500)); now = pagesMiB(); }
clearInterval(ticker);
await worker.terminate();
console.log(JSON.stringify({ peak: Math.round(peak), after: Math.round(now) }));
`;

test('after a burst in a worker thread, the operator\'s V8 flags return the freed heap pages to the system', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--max-semi-space-size=2', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  const { peak, after } = JSON.parse(out.trim().split('\n').at(-1)!) as { peak: number; after: number };
  assert.ok(peak > 100, `the burst left ${peak} MiB of heap pages (expected a real burst, > 100 MiB)`);
  assert.ok(after <= peak / 4, `heap pages ${peak} -> ${after} MiB: the freed pages stayed resident`);
});
