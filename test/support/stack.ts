// Brings the real local stack up (idempotent) and loads its environment into process.env,
// so every suite that needs a server starts it itself.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const stackScript = `${repoRoot}scripts/stack.sh`;

let loaded = false;

export function ensureStack(): NodeJS.ProcessEnv {
  if (!loaded) {
    execFileSync('bash', [stackScript, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
    Object.assign(process.env, parseExports(execFileSync('bash', [stackScript, 'env'], { encoding: 'utf8' })));
    loaded = true;
  }
  return process.env;
}

/** Parses `export NAME=value` lines, expanding a trailing `:$PATH`. */
export function parseExports(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) continue;
    env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1').replace('$PATH', process.env.PATH ?? '');
  }
  return env;
}

/** Absolute bin dir of a cached tool (temporal, etcd35, etcd36, kube, ...). */
export function toolDir(tool: string): string {
  return execFileSync('bash', [`${repoRoot}scripts/tools.sh`, 'path', tool], { encoding: 'utf8' }).trim();
}
