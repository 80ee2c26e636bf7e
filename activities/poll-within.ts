// A poll that looks again inside its attempt: an activity that is "not yet" done (NotYet) is tried
// again every `everyMs` for up to `forMs` before the attempt fails, so a wait ends within about half
// a second of its condition instead of at the retry policy's next 2 s tick (and the learner joining,
// the promotion etcd allows, the pod that is gone are seen at once). Other failures end the attempt.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/common';

export interface PollWithin { everyMs: number; forMs: number }
export const POLL_WITHIN: PollWithin = { everyMs: 500, forMs: 5000 };

const isNotYet = (err: unknown) => err instanceof ApplicationFailure && err.type === 'NotYet';

export function pollWithin<A extends unknown[], R>(fn: (...args: A) => Promise<R>, { everyMs, forMs }: PollWithin = POLL_WITHIN): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const t0 = Date.now();
    for (;;) {
      try {
        return await fn(...args);
      } catch (err) {
        if (!isNotYet(err) || Date.now() - t0 + everyMs >= forMs) throw err;
      }
      await sleep(everyMs);
    }
  };
}

/** Applies pollWithin to the named activities of a group. */
export function pollingWithin<T extends Record<string, unknown>>(activities: T, names: readonly (keyof T)[], o: PollWithin = POLL_WITHIN): T {
  const out = { ...activities };
  for (const n of names) out[n] = pollWithin(activities[n] as (...a: unknown[]) => Promise<unknown>, o) as T[typeof n];
  return out;
}
