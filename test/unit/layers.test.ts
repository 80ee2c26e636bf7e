// The tree's layers (docs/design.md, "The house"): imports point one way. domain/ at the bottom,
// then k8s/, workflows/, activities/, client/ (watchers, dispatcher, Temporal client), worker/, and
// cli/ on top. A workflow may import an
// activity's types only (the bundle must not pull side effects in); nothing imports a layer above it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERS = ['domain', 'k8s', 'workflows', 'activities', 'client', 'worker', 'cli'] as const;
type Layer = (typeof LAYERS)[number];
/** What each layer may import besides itself. */
const ALLOWED: Record<Layer, Layer[]> = {
  domain: [],
  k8s: ['domain'],
  workflows: ['domain', 'k8s'],
  activities: ['domain', 'k8s'],
  client: ['domain', 'k8s', 'workflows'],
  worker: ['domain', 'k8s', 'workflows', 'activities', 'client'],
  cli: ['domain', 'k8s', 'workflows', 'activities', 'client', 'worker'],
};

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (e.name.endsWith('.ts')) yield p;
  }
}

export interface Import { from: string; to: string; typeOnly: boolean }

/** Every relative import of a file: `import ... from`, `export ... from`, dynamic `import()`. */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4]!;
    out.push({ from: file, to: relative(ROOT, resolve(ROOT, dirname(file), spec)), typeOnly: Boolean(m[2]) });
  }
  return out;
}

const layerOf = (path: string): Layer | undefined => LAYERS.find((l) => path.startsWith(`${l}/`));

export function violations(imports: Import[]): string[] {
  const bad: string[] = [];
  for (const i of imports) {
    const [from, to] = [layerOf(i.from), layerOf(i.to)];
    if (!from || !to || from === to) continue;
    if (from === 'workflows' && to === 'activities' && i.typeOnly) continue;
    if (!ALLOWED[from].includes(to)) bad.push(`${i.from} imports ${i.to}${i.typeOnly ? ' (types)' : ''}: ${from}/ may import ${ALLOWED[from].join(', ') || 'nothing of ours'}`);
  }
  return bad;
}

test('imports point one way: domain <- k8s <- workflows <- activities <- client <- worker <- cli', () => {
  const imports = LAYERS.flatMap((l) => [...sources(l)].flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), 'utf8'))));
  assert.ok(imports.length > 100, `only ${imports.length} imports found: the scan is broken`);
  assert.deepEqual(violations(imports), []);
});

test('the check catches a wrong-way import, and a workflow importing an activity for more than its types', () => {
  const text = "import { Kube } from '../k8s/kube-client.ts';\nimport type { Activities } from '../activities/index.ts';\nimport { x } from '../activities/etcd/client.ts';\n";
  assert.deepEqual(violations(importsOf('workflows/w.ts', text)), ['workflows/w.ts imports activities/etcd/client.ts: workflows/ may import domain, k8s']);
  assert.deepEqual(violations(importsOf('activities/a.ts', "import { planNext } from '../workflows/reconcile-planner.ts';")), [
    'activities/a.ts imports workflows/reconcile-planner.ts: activities/ may import domain, k8s',
  ]);
  assert.deepEqual(violations(importsOf('domain/d.ts', "export { ETCD_CLUSTER } from '../k8s/api.ts';")), ['domain/d.ts imports k8s/api.ts: domain/ may import nothing of ours']);
});

test('each activity proxy is imported under its own name: the name says the retry policy', () => {
  const aliased = [...sources('workflows')].filter((f) => /import\s*\{[^}]*\bas\b[^}]*\}\s*from\s*'\.\/activity-proxies\.ts'/.test(readFileSync(join(ROOT, f), 'utf8')));
  assert.deepEqual(aliased, []);
});
