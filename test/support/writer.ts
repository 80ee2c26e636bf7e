// A real "no acknowledged write lost" writer: puts sequential keys through a cluster's client
// Service, records every write etcd acknowledged, and afterwards reads each one back. A put whose
// outcome is unknown (a timeout) is not counted as acknowledged; if it landed, nothing is wrong.
import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { kubectlJson } from './kube.ts';
import { waitFor } from './wait.ts';

export interface WriterOptions {
  endpoints: string[];
  prefix: string;
  /** Pause between writes. */
  intervalMs?: number;
  /** Each call's deadline: a dead endpoint fails fast. */
  callTimeoutMs?: number;
  /** Bounds: the writer stops by itself after this long or this many writes. */
  maxDurationMs?: number;
  maxWrites?: number;
  /** https endpoints: the CA to trust, the name to verify, and a client certificate when the cluster wants one. */
  tls?: ClientTls;
}

export interface ClientTls { ca: Buffer; servername: string; cert?: Buffer; key?: Buffer }

/** etcd3 options for a TLS client that dials IPs and verifies the client Service's name. */
export const tlsOptions = (tls: ClientTls) => ({
  credentials: { rootCertificate: tls.ca, ...(tls.cert && { certChain: tls.cert }), ...(tls.key && { privateKey: tls.key }) },
  grpcOptions: { 'grpc.ssl_target_name_override': tls.servername, 'grpc.default_authority': tls.servername },
});

export interface Verification { acked: number; failed: number; missing: string[]; wrongValue: string[] }

/** `http://<ClusterIP of <cluster>-client>:2379` (https for a TLS cluster). */
export function clientServiceEndpoint(ns: string, cluster: string, scheme: 'http' | 'https' = 'http'): string {
  const ip = kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', '-n', ns, `${cluster}-client`]).spec.clusterIP;
  return `${scheme}://${ip}:2379`;
}

export class Writer {
  readonly ackedKeys = new Map<string, string>();
  failedWrites = 0;
  longestUnavailableMs = 0;
  readonly errors: Record<string, number> = {};
  private running?: Promise<void>;
  private stopping = false;
  private readonly o: Required<Omit<WriterOptions, 'tls'>> & Pick<WriterOptions, 'tls'>;

  constructor(options: WriterOptions) {
    this.o = { intervalMs: 20, callTimeoutMs: 2000, maxDurationMs: 15 * 60_000, maxWrites: 200_000, ...options };
  }

  /** No client-side retries: each put is one attempt, so a short outage shows as failed writes instead of being hidden. */
  private client(): Etcd3 {
    return new Etcd3({
      hosts: this.o.endpoints, dialTimeout: this.o.callTimeoutMs,
      defaultCallOptions: () => ({ deadline: new Date(Date.now() + this.o.callTimeoutMs) }),
      faultHandling: { host: () => noop, global: noop },
      ...(this.o.tls && tlsOptions(this.o.tls)),
    });
  }

  start(): void {
    this.running = this.loop();
  }

  private async loop(): Promise<void> {
    const end = Date.now() + this.o.maxDurationMs;
    let c = this.client();
    let firstFailure: number | undefined;
    for (let i = 1; !this.stopping && i <= this.o.maxWrites && Date.now() < end; i++) {
      const key = `${this.o.prefix}/${String(i).padStart(7, '0')}`;
      const value = `${key}@${Date.now()}`;
      try {
        await c.put(key).value(value);
        this.ackedKeys.set(key, value);
        if (firstFailure !== undefined) this.longestUnavailableMs = Math.max(this.longestUnavailableMs, Date.now() - firstFailure);
        firstFailure = undefined;
      } catch (err) {
        this.failedWrites += 1;
        firstFailure ??= Date.now();
        const msg = String((err as Error).message).replace(/\d+/g, 'N').slice(0, 80);
        this.errors[msg] = (this.errors[msg] ?? 0) + 1;
        // The client's circuit breaker holds on to a refusal: start over with a fresh one.
        c.close();
        c = this.client();
      }
      await new Promise((r) => setTimeout(r, this.o.intervalMs));
    }
    if (firstFailure !== undefined) this.longestUnavailableMs = Math.max(this.longestUnavailableMs, Date.now() - firstFailure);
    c.close();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Reads back every acknowledged key (retrying until the cluster answers) and compares values. */
  async verify(timeoutMs = 60_000): Promise<Verification> {
    const stored = await waitFor('read back of acknowledged writes', async () => {
      const c = this.client();
      try {
        return await c.getAll().prefix(`${this.o.prefix}/`).strings();
      } finally {
        c.close();
      }
    }, { timeoutMs, intervalMs: 500 });
    const missing: string[] = [];
    const wrongValue: string[] = [];
    for (const [k, v] of this.ackedKeys) {
      if (!(k in stored)) missing.push(k);
      else if (stored[k] !== v) wrongValue.push(k);
    }
    return { acked: this.ackedKeys.size, failed: this.failedWrites, missing, wrongValue };
  }
}
