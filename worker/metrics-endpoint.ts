// What /metrics answers: the operator's own registry (operations, clusters, backups, the Node.js
// process) followed by the Temporal SDK's metrics, which its core serves on a loopback port of its own.
import { createServer } from 'node:net';
import type { Registry } from 'prom-client';

/** A free port on 127.0.0.1 (the core's exporter cannot report the port it bound). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function operatorMetrics(registry: Registry, sdkPort?: number): Promise<{ contentType: string; body: string }> {
  const own = await registry.metrics();
  let sdk = '';
  if (sdkPort) {
    try {
      const res = await fetch(`http://127.0.0.1:${sdkPort}/metrics`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) sdk = await res.text();
    } catch { /* the SDK's exporter is not up yet: our own metrics still answer */ }
  }
  return { contentType: registry.contentType, body: sdk ? `${own}\n${sdk}` : own };
}
