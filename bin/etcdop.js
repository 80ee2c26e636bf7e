#!/usr/bin/env node
// The CLI entry (also `kubectl etcd`, bin/kubectl-etcd). It runs the compiled JavaScript in dist/ when
// `npm run build` (npm start runs it) made it from the sources as they are now: no TypeScript loader
// at run time. Otherwise (a fresh clone, a source edited since) the sources, through tsx.
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

if (process.env.ETCDOP_FROM_SOURCE !== '1' && builtIsCurrent()) {
  await import('../dist/cli/etcdop.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/etcdop.ts');
}
