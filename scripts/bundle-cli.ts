// The CLI as a few JavaScript files (dist/cli-bundle/), made by `npm run build` from the compiled
// dist/cli/etcdop.js. Loading ~4000 modules (the Kubernetes client alone is ~1000) was most of a
// command's start-up: resolving and reading them cost more than running the command. Commands load
// their own chunk (`ops`, `doctor`...) only when run. `etcdop run`, the operator, stays unbundled
// (dist/worker/run.js): the worker finds its workflow code and the prebuilt bundle next to itself.
import { rmSync } from 'node:fs';
import { build, type Plugin } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/cli-bundle`;

const operatorUnbundled: Plugin = {
  name: 'operator-unbundled',
  setup(b) {
    b.onResolve({ filter: /\/worker\/run\.js$/ }, () => ({ path: '../worker/run.js', external: true }));
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { etcdop: `${root}dist/cli/etcdop.js` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(): ESM output has none of its own.
  banner: { js: "import { createRequire as __etcdopRequire } from 'node:module'; const require = __etcdopRequire(import.meta.url);" },
  // Native code and the worker's webpack only serve `etcdop run`, which loads them from node_modules.
  external: ['@temporalio/worker', '@temporalio/core-bridge'],
  plugins: [operatorUnbundled],
  logLevel: 'warning',
});
