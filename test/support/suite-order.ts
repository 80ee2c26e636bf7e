// Orders test files longest first, so the long end-to-end suites start at once and the short ones
// fill the gaps, instead of a long suite starting last and running alone at the end. The times
// come from the last run on this machine (timing-table.ts records them in the tool cache). A file
// without a recorded time counts as the longest of its folder (a new e2e suite may well be long);
// with nothing recorded, folders rank e2e, integration, workflows, unit.
//   node --import tsx test/support/suite-order.ts <file>...   prints the files, one a line
import { readFileSync } from 'node:fs';
import { suiteTimesPath } from './suite-times.ts';

const FOLDERS = ['test/e2e/', 'test/integration/', 'test/workflows/', 'test/unit/'];

export function orderSuites(files: string[], recordedMs: Record<string, number>): string[] {
  const folder = (f: string) => FOLDERS.find((p) => f.startsWith(p)) ?? '';
  const longest = new Map<string, number>();
  for (const [f, ms] of Object.entries(recordedMs)) longest.set(folder(f), Math.max(longest.get(folder(f)) ?? 0, ms));
  const estimate = (f: string) => {
    if (recordedMs[f] !== undefined) return recordedMs[f];
    const rank = FOLDERS.indexOf(folder(f));
    // +1 ms puts it just before its folder's longest; the rank term orders folders with no record.
    return (longest.get(folder(f)) ?? 0) + 1 + (rank < 0 ? 0 : (FOLDERS.length - rank) * 1e-3);
  };
  return [...files].sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b));
}

function recorded(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(suiteTimesPath(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(orderSuites(process.argv.slice(2), recorded()).join('\n'));
}
