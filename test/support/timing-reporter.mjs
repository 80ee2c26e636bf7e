// A node:test reporter that records, per test file, its time (the sum of its top-level tests and
// suites, as the file's own process measured them: events of files that run side by side reach
// the reporter in bursts, so arrival times say nothing) and results, and the slowest tests, as one
// JSON line at the end (scripts/test.sh prints the table). Plain JavaScript: the runner loads
// reporters without the tsx loader.
import { relative } from 'node:path';
import process from 'node:process';

export default async function* timingReporter(source) {
  const files = new Map();
  const tests = [];
  for await (const { type, data } of source) {
    if (!data?.file || !type.startsWith('test:')) continue;
    const file = relative(process.cwd(), data.file);
    const f = files.get(file) ?? { ms: 0, passed: 0, failed: 0 };
    files.set(file, f);
    if ((type === 'test:pass' || type === 'test:fail') && data.nesting === 0) f.ms += data.details?.duration_ms ?? 0;
    if ((type === 'test:pass' || type === 'test:fail') && data.details?.type !== 'suite') {
      // Leaf tests only: a suite's result is its tests' results.
      if (type === 'test:pass') f.passed += 1; else f.failed += 1;
      tests.push({ file, name: data.name, ms: Math.round(data.details?.duration_ms ?? 0) });
    }
  }
  const out = {
    files: [...files].map(([file, f]) => ({ file, wallMs: Math.round(f.ms), passed: f.passed, failed: f.failed })),
    tests: tests.sort((a, b) => b.ms - a.ms).slice(0, 10),
  };
  yield `${JSON.stringify(out)}\n`;
}
