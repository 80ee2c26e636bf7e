// Informers stop on a watch error; the operator restarts them with backoff and never exits for it.
// InformerHealth tells readiness which informers have listed and are watching.
import type { Informer, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export class InformerHealth {
  private readonly synced = new Map<string, boolean>();
  private readonly errors = new Map<string, number>();

  /** Starts (or restarts) an informer; it counts as synced once its list and watch began without error. */
  async start<T extends KubernetesObject>(informer: Informer<T>, what: string): Promise<void> {
    this.synced.set(what, false);
    const before = this.errors.get(what) ?? 0;
    await informer.start();
    if ((this.errors.get(what) ?? 0) === before) this.synced.set(what, true);
  }

  failed(what: string): void {
    this.errors.set(what, (this.errors.get(what) ?? 0) + 1);
    this.synced.set(what, false);
  }

  /** Informers not (or no longer) synced. */
  unsynced(): string[] {
    return [...this.synced].filter(([, ok]) => !ok).map(([what]) => what);
  }
}

/** Restarts `informer` after each error, 1s doubling to 30s, reset once it connects; not after `stopped()`. */
export function restartOnError<T extends KubernetesObject>(informer: Informer<T>, what: string, log: Logger, stopped: () => boolean, health: InformerHealth): void {
  let backoffMs = 1000;
  informer.on('connect', () => { backoffMs = 1000; });
  informer.on('error', (err: unknown) => {
    health.failed(what);
    if (stopped()) return;
    log.warn({ what, err: String(err), retryInMs: backoffMs }, 'watch failed; restarting');
    setTimeout(() => { if (!stopped()) health.start(informer, what).catch((e: unknown) => log.warn({ what, err: String(e) }, 'informer restart failed')); }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 30_000);
  });
}
