// The operator's small HTTP server: /healthz (the process and its worker are alive: restart it if
// not) and /readyz (connected to Temporal and the API server, informers synced). Kubernetes
// probes use them. /metrics serves Prometheus' text format.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Probe { name: string; check: () => Promise<void> }

export interface HealthOptions {
  /** Liveness: false once the worker has failed for good (the process is about to exit anyway). */
  live: () => boolean;
  /** Readiness: each probe throws with the reason it is not ready. */
  ready: readonly Probe[];
  /** Per probe; a probe that hangs (Temporal unreachable) counts as failed. */
  timeoutMs?: number;
  /** /metrics: the exposition text and its content type. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

/** ":8080" (all interfaces), "127.0.0.1:0" (any free port), "[::1]:8080". */
export function parseHttpAddress(address: string): { host?: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--http-address ${JSON.stringify(address)}: expected host:port or :port, e.g. :8080 or 127.0.0.1:0`);
  const host = m[1] ?? m[2];
  return host ? { host, port } : { port };
}

async function runProbe(p: Probe, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`unreachable: no answer in ${timeoutMs} ms`)), timeoutMs); });
  try {
    await Promise.race([p.check(), timeout]);
    return undefined;
  } catch (err) {
    return `${p.name}: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
  }
}

/** Failing probes, one line each; empty when ready. */
export async function readiness(o: HealthOptions): Promise<string[]> {
  const results = await Promise.all(o.ready.map((p) => runProbe(p, o.timeoutMs ?? 3000)));
  return results.filter((r): r is string => r !== undefined);
}

export async function startHealthServer(address: string, o: HealthOptions): Promise<{ server: Server; url: string }> {
  const { host, port } = parseHttpAddress(address);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (code: number, body: string) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' }).end(`${body}\n`); };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed');
    if (path === '/healthz' || path === '/livez') return reply(o.live() ? 200 : 503, o.live() ? 'ok' : 'worker stopped');
    if (path === '/metrics' && o.metrics) {
      o.metrics().then(({ contentType, body }) => { res.writeHead(200, { 'content-type': contentType }).end(body); }, (err: unknown) => reply(500, String(err)));
      return;
    }
    if (path === '/readyz') {
      readiness(o).then((failing) => reply(failing.length ? 503 : 200, failing.length ? failing.join('\n') : 'ok'), (err: unknown) => reply(500, String(err)));
      return;
    }
    reply(404, `not found: /healthz, /readyz${o.metrics ? ', /metrics' : ''}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`health server cannot listen on ${address}: ${err.code === 'EADDRINUSE' ? 'the port is in use (another operator?); choose one with --http-address' : err.message}`)));
    server.listen({ host, port }, resolve);
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` };
}
