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

/**
 * The stack with `count` nodes (scripts/stack/nodes.sh). The extra nodes carry `taint`, so only pods
 * that tolerate it (the calling suite's) run there: a suite that stops or drains them never touches
 * another suite's pods. A node that exists already keeps the taint it registered with.
 */
export function ensureNodes(count: number, taint: string): void {
  ensureStack();
  execFileSync('bash', [stackScript, 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, STACK_NODES: String(count), STACK_NODE_TAINT: taint } });
}

/** Stops one extra node as a machine dies (link cut, containers, kubelet, containerd killed), or brings it back. */
export function stopNode(name: string): void {
  execFileSync('bash', [stackScript, 'node-stop', name], { stdio: ['ignore', 'inherit', 'inherit'] });
}
export function startNode(name: string): void {
  execFileSync('bash', [stackScript, 'node-start', name], { stdio: ['ignore', 'inherit', 'inherit'] });
}
