// Writes the generated CRDs (k8s/crd.ts) under deploy/crds/.
//   node --import tsx scripts/gen-crds.ts           write the files
//   node --import tsx scripts/gen-crds.ts --check   exit 1 if a file is missing or stale (CI)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdFiles } from '../k8s/crd.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const readOrEmpty = (path: string) => readFile(path, 'utf8').catch(() => '');

let stale = 0;
for (const { path, content } of crdFiles()) {
  const abs = resolve(root, path);
  if ((await readOrEmpty(abs)) === content) continue;
  if (check) {
    stale++;
    console.error(`${path} is stale: run npm run gen:crds`);
    continue;
  }
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, content);
  console.log(`wrote ${path}`);
}
process.exitCode = stale > 0 ? 1 : 0;
