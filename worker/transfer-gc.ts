// V8's memory saver mode (runtime-env.ts) paused while an activity streams a snapshot through the
// operator. Every full GC in that mode compacts and hands pages back, and hundreds of MiB of
// Buffers passing through trigger many full GCs: a 280 MiB backup took 3.4-5.4 s with it against
// 2.1-3.6 s without (test-results' take probe, same process otherwise). Once the last transfer
// ends the mode is back, and the next full GC returns what the transfer left in V8's page pool.
import v8 from 'node:v8';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../activities/index.ts';

/** The activities that move a whole snapshot through this process. */
export const SNAPSHOT_TRANSFER_ACTIVITIES = ['takeSnapshot', 'restoreMemberVolume', 'verifySnapshot'] as const satisfies readonly (keyof Activities)[];

export interface MemorySaverSwitch {
  /** Call as a transfer starts; the returned function as it ends (once). */
  pause(): () => void;
  /** Transfers running now. */
  running(): number;
}

/**
 * Reference-counted: the mode goes off with the first of overlapping transfers and back on after
 * the last. `enabled` says whether the operator turned the mode on at all (a process that did not
 * is never switched).
 */
export function memorySaverSwitch(enabled: () => boolean, setFlags: (flags: string) => void = v8.setFlagsFromString): MemorySaverSwitch {
  let count = 0;
  return {
    pause() {
      if (!enabled()) return () => {};
      if (count++ === 0) setFlags('--no-memory-saver-mode');
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--count === 0) setFlags('--memory-saver-mode');
      };
    },
    running: () => count,
  };
}

/** Runs each snapshot transfer with memory saver mode paused (see above); other activities as they are. */
export function transferGcInterceptors(saver: MemorySaverSwitch, transfers: readonly string[] = SNAPSHOT_TRANSFER_ACTIVITIES): ActivityInterceptorsFactory[] {
  return [(ctx) => ({
    inbound: {
      async execute(input, next) {
        if (!transfers.includes(ctx.info.activityType)) return next(input);
        const resume = saver.pause();
        try {
          return await next(input);
        } finally {
          resume();
        }
      },
    },
  })];
}
