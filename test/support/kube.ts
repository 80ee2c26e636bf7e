// kubectl against the stack's node (or the user's KUBECONFIG), and per-test namespaces.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function kubectl(args: string[], input?: string): string {
  const r = spawnSync('kubectl', args, { input, encoding: 'utf8', env: process.env, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

export function kubectlJson<T = any>(args: string[]): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(kubectl([...args, '-o', 'json'])) as T;
}

/** Creates a namespace named after the test, returns it and a teardown that waits until it is gone. */
export function tempNamespace(prefix: string): { ns: string; cleanup: () => void } {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  kubectl(['create', 'namespace', ns]);
  return { ns, cleanup: () => { kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=120s']); } };
}

/** The fixture manifest with its placeholders filled in. */
export function fixture(path: URL, vars: Record<string, string>): string {
  let text = readFileSync(path, 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`__${k}__`, v);
  return text;
}

export function execIn(ns: string, pod: string, cmd: string[]): string {
  return kubectl(['exec', '-n', ns, pod, '--', ...cmd]);
}

export const etcdImage = (version: string) => `${process.env.ETCD_IMAGE_REPOSITORY ?? 'etcd-operator.local/etcd'}:v${version.replace(/^v/, '')}`;

export { execFileSync };
