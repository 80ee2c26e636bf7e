// bench/results/: one JSON file per `npm run bench` (<ISO timestamp>.json) and latest.json, each with
// the rows, the commit and the machine, so the next change can be compared with this one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/stack.ts';
import type { Outcome, Results } from './report.ts';
import type { Row } from './rows.ts';

export const resultsDir = join(repoRoot, 'bench', 'results');
export const latestFile = join(resultsDir, 'latest.json');

const git = (...args: string[]) => execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();

/** The code measured: taken when the run starts, as it may take hours. */
export function gitState(): { commit: string; dirty: boolean } {
  return {
    commit: git('rev-parse', 'HEAD'),
    // Results and the README table are this tool's own output, not the code measured.
    dirty: git('status', '--porcelain', '--', '.', ':!bench/results', ':!README.md') !== '',
  };
}

export function makeResults(start: { date: Date; commit: string; dirty: boolean }, runs: number, benches: Outcome[], rows: Row[]): Results {
  return {
    date: start.date.toISOString(),
    commit: start.commit,
    dirty: start.dirty,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      platform: `${platform()}-${arch()}`,
    },
    runs,
    benches,
    rows,
  };
}

/** Writes <ISO timestamp, basic format>.json and latest.json; returns the first's path. */
export function writeResults(results: Results): string {
  mkdirSync(resultsDir, { recursive: true });
  // Basic ISO 8601 (20261205T225538Z): no colons, which some file systems and tools reject.
  const file = join(resultsDir, `${results.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(file, text);
  writeFileSync(latestFile, text);
  return file;
}

export function readResults(file = latestFile): Results {
  return JSON.parse(readFileSync(file, 'utf8')) as Results;
}
