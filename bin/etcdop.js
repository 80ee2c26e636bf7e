#!/usr/bin/env node
// The CLI entry (also `kubectl etcd`, bin/kubectl-etcd). It runs the bundled JavaScript in
// dist/cli-bundle/ when `npm run build` (npm start runs it) made it from the sources as they are now:
// no TypeScript loader at run time, a few files to load instead of thousands. Otherwise (a fresh
// clone, a source edited since) the sources, through tsx.
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import process from 'node:process';

// V8's compiled code of every module loaded, kept on disk (node >= 22.1; a no-op before): the
// Kubernetes client alone is ~1000 modules, compiled again at every start without it.
module.enableCompileCache?.();

const root = new URL('..', import.meta.url);
const SOURCES = ['domain', 'k8s', 'workflows', 'activities', 'client', 'worker', 'cli'];

function builtIsCurrent() {
  let stamp;
  try { stamp = statSync(new URL('dist/.build-stamp', root)).mtimeMs; } catch { return false; }
  for (const dir of SOURCES) {
    const base = new URL(`${dir}/`, root);
    for (const f of readdirSync(base, { recursive: true })) {
      if (f.endsWith('.ts') && statSync(new URL(f, base)).mtimeMs > stamp) return false;
    }
  }
  return true;
}

// Node keeps these deprecation warnings quiet when the caller sits in node_modules; bundled, the
// dependencies that cause them (node-fetch's url.parse, whatwg-url's punycode) no longer do.
const DEPENDENCY_DEPRECATIONS = new Set(['DEP0040', 'DEP0169']);
function quietDependencyDeprecations() {
  const emitWarning = process.emitWarning;
  process.emitWarning = function (warning, ...rest) {
    const code = typeof rest[0] === 'object' ? rest[0]?.code : rest[1];
    if (DEPENDENCY_DEPRECATIONS.has(code)) return;
    return emitWarning.call(process, warning, ...rest);
  };
}

if (process.env.ETCDOP_FROM_SOURCE !== '1' && builtIsCurrent()) {
  quietDependencyDeprecations();
  await import('../dist/cli-bundle/etcdop.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/etcdop.ts');
}
