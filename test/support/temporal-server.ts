// The stack's real Temporal server (STACK_TEMPORAL=server: Temporal 1.29 with PostgreSQL, mTLS and JWT
// authorization on 127.0.0.1:7333) for the suites that run the operator against it: bring it up, read its client
// environment, stop it with its PostgreSQL and start both again; the operator's
// readiness.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseExports, repoRoot } from './stack.ts';
import { waitFor } from './wait.ts';

const stackScript = `${repoRoot}scripts/stack.sh`;
const stateDir = () => process.env.ETCD_OPERATOR_STATE ?? join(homedir(), '.local/state/etcd-operator');

/**
 * The environment stack.sh runs in: without this process's Temporal client settings, so its own
 * health checks of the dev server are not made with the real server's TLS (and TEMPORAL_ADDRESS
 * never makes it think Temporal is external).
 */
function stackEnv(profile?: 'dev' | 'server'): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return profile ? { ...env, STACK_TEMPORAL: profile } : env;
}

/** Starts what is not running of the stack with the real Temporal server (idempotent); the seconds it took. */
export function serverUp(): number {
  const t0 = Date.now();
  execFileSync('bash', [stackScript, 'up'], { env: stackEnv('server'), stdio: ['ignore', 'inherit', 'inherit'] });
  return (Date.now() - t0) / 1000;
}

/** TEMPORAL_ADDRESS, TEMPORAL_TLS_* (client certificate, key, server CA) and TEMPORAL_API_KEY (an admin token) of the real server. */
export function serverEnv(): Record<string, string> {
  const all = parseExports(execFileSync('bash', [stackScript, 'env'], { env: stackEnv('server'), encoding: 'utf8' }));
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('TEMPORAL_') && k !== 'TEMPORAL_NAMESPACE'));
}

/** A token the real server accepts, e.g. serverToken('ci', 'prod:write'); 'temporal-system:admin' for everything. */
export function serverToken(subject: string, ...permissions: string[]): string {
  return execFileSync('bash', [stackScript, 'temporal-token', subject, ...permissions], { env: stackEnv('server'), encoding: 'utf8' }).trim();
}

/**
 * The stack's Temporal CLI against the real server as its administrator (mTLS and the admin token):
 * what a Temporal administrator runs. Its stdout.
 */
let adminCli: string[] | undefined;
export function serverAdminCli(args: string[]): string {
  // Looked up once: the polls below call it twice a second.
  adminCli ??= (() => {
    const env = serverEnv();
    const bin = execFileSync('bash', [`${repoRoot}scripts/tools.sh`, 'path', 'temporal'], { encoding: 'utf8' }).trim();
    return [`${bin}/temporal`, '--address', env.TEMPORAL_ADDRESS!, '--tls-cert-path', env.TEMPORAL_TLS_CLIENT_CERT_PATH!,
      '--tls-key-path', env.TEMPORAL_TLS_CLIENT_KEY_PATH!, '--tls-ca-path', env.TEMPORAL_TLS_SERVER_CA_CERT_PATH!, '--api-key', env.TEMPORAL_API_KEY!];
  })();
  const [cli, ...connection] = adminCli;
  return execFileSync(cli!, [...args, ...connection], { env: stackEnv(), encoding: 'utf8' });
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

function pidOf(name: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(stateDir(), 'pids', `${name}.pid`), 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stops the Temporal server (SIGTERM, as an orchestrator would) and then its PostgreSQL (SIGINT:
 * PostgreSQL's fast shutdown), each waited for; the seconds it took. `serverUp()` starts both again.
 */
export async function stopServer(): Promise<number> {
  const t0 = Date.now();
  for (const [name, signal] of [['temporal-server', 'SIGTERM'], ['postgres', 'SIGINT']] as const) {
    const pid = pidOf(name);
    if (!pid) throw new Error(`${name} is not running`);
    process.kill(pid, signal);
    await waitFor(`${name} (pid ${pid}) exited after ${signal}`, () => !alive(pid), { timeoutMs: 60_000, intervalMs: 100 });
  }
  return (Date.now() - t0) / 1000;
}

/** The operator's health server, from its "operator starting" log line. */
export async function healthUrl(logFile: string): Promise<string> {
  return waitFor(`the operator's health address in ${logFile}`, () => {
    const all = [...readFileSync(logFile, 'utf8').matchAll(/"health":"(http:\/\/[^"]+)"/g)];
    return all.at(-1)?.[1];
  }, { timeoutMs: 120_000, intervalMs: 250 });
}

export async function readyz(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.text()).trim() };
}
