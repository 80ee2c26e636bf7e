// The CLI and the operator as a few JavaScript files each, made by `npm run build` (and by
// scripts/image.sh for the image) from the compiled dist/: dist/cli-bundle/ (what bin/etcdop.js and
// the image run) and dist/operator-bundle/ (`etcdop run`, loaded by the CLI bundle when it runs).
//   node --import tsx scripts/bundle.ts [DIST]      (default: the checkout's dist/)
//
// CLI: loading ~4000 modules (the Kubernetes client alone is ~1000) was most of a command's start-up;
// commands load their own chunk (`ops`, `doctor`...) only when run.
// Operator: the same modules loaded one by one cost ~15 MiB more V8 heap than bundled (module
// records, wrappers, unminified sources kept for lazy compilation): RSS of an idle operator 219-232
// -> 191 MiB (test-results' heap probe). What must share one instance with the Temporal worker stays
// in node_modules: every @temporalio package (the activity context is the worker's), etcd3 (reads
// its .proto files next to itself) with its policy library, and pino (its transports are files).
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const dist = resolve(process.argv[2] ?? fileURLToPath(new URL('../dist', import.meta.url)));

const common: BuildOptions = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(): ESM output has none of its own.
  banner: { js: "import { createRequire as __etcdopRequire } from 'node:module'; const require = __etcdopRequire(import.meta.url);" },
  logLevel: 'warning',
};

/** The CLI loads the operator's own bundle, not a second copy of it. */
const operatorBundle: Plugin = {
  name: 'operator-bundle',
  setup(b) {
    b.onResolve({ filter: /\/worker\/run\.js$/ }, () => ({ path: '../operator-bundle/run.js', external: true }));
  },
};

for (const dir of ['cli-bundle', 'operator-bundle']) rmSync(`${dist}/${dir}`, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { etcdop: `${dist}/cli/etcdop.js` },
  outdir: `${dist}/cli-bundle`,
  // Native code and the worker's webpack serve only `etcdop run`.
  external: ['@temporalio/worker', '@temporalio/core-bridge'],
  plugins: [operatorBundle],
});
await build({
  ...common,
  entryPoints: { run: `${dist}/worker/run.js` },
  outdir: `${dist}/operator-bundle`,
  // Smaller sources without renaming: stack traces and class names stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  external: ['@temporalio/*', 'etcd3', 'cockatiel', 'pino', 'pino-pretty'],
});
