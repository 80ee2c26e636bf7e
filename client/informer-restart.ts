// Informers stop on a watch error; the operator restarts them with backoff and never exits for it.
import type { Informer, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** Restarts `informer` after each error, 1s doubling to 30s, reset once it connects; not after `stopped()`. */
export function restartOnError<T extends KubernetesObject>(informer: Informer<T>, what: string, log: Logger, stopped: () => boolean): void {
  let backoffMs = 1000;
  informer.on('connect', () => { backoffMs = 1000; });
  informer.on('error', (err: unknown) => {
    if (stopped()) return;
    log.warn({ what, err: String(err), retryInMs: backoffMs }, 'watch failed; restarting');
    setTimeout(() => { if (!stopped()) informer.start().catch((e: unknown) => log.warn({ what, err: String(e) }, 'informer restart failed')); }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 30_000);
  });
}
