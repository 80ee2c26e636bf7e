// The stack's real Temporal server (STACK_TEMPORAL=server: Temporal 1.29 with PostgreSQL and mTLS on
// 127.0.0.1:7333) for the suites that run the operator against it: bring it up, read its client
// environment, stop it (SIGTERM, as an orchestrator would) and start it again; the operator's
// readiness; a slow S3 link for long snapshot uploads.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
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

/** TEMPORAL_ADDRESS and TEMPORAL_TLS_* (client certificate, key, server CA) of the real server. */
export function serverEnv(): Record<string, string> {
  const all = parseExports(execFileSync('bash', [stackScript, 'env'], { env: stackEnv('server'), encoding: 'utf8' }));
  return Object.fromEntries(Object.entries(all).filter(([k]) => k.startsWith('TEMPORAL_') && k !== 'TEMPORAL_NAMESPACE'));
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

export function serverPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(stateDir(), 'pids', 'temporal-server.pid'), 'utf8').trim());
    return pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM to the Temporal server process (PostgreSQL stays), resolved once it has exited; the seconds it took. */
export async function stopServer(): Promise<number> {
  const pid = serverPid();
  if (!pid) throw new Error('the Temporal server is not running');
  const t0 = Date.now();
  process.kill(pid, 'SIGTERM');
  await waitFor(`Temporal server (pid ${pid}) exited after SIGTERM`, () => !alive(pid), { timeoutMs: 60_000, intervalMs: 100 });
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

/**
 * A TCP proxy on loopback to 127.0.0.1:`upstreamPort` that passes what the client sends at
 * `bytesPerSecond` (in tenths of a second): an upload that takes as long as the test needs.
 */
export async function slowUploadProxy(upstreamPort: number, bytesPerSecond: number): Promise<{ url: string; close(): Promise<void> }> {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  const throttle = () => new Transform({
    transform(chunk: Buffer, _e, done) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += slice) {
          this.push(chunk.subarray(at, at + slice));
          await new Promise((r) => setTimeout(r, 100));
        }
        done();
      })();
    },
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, upstream]) { sockets.add(s); s.once('close', () => sockets.delete(s)); s.on('error', () => { client.destroy(); upstream.destroy(); }); }
    client.pipe(throttle()).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
