// Failpoints for crash tests (like etcd's gofail): ETCD_OPERATOR_FAILPOINTS=crash-after:<activity>[#n],...
// kills this process with SIGKILL right after the n-th run (default 1st) of that activity has done
// its work and before Temporal hears of it: the side effect happened, the completion is lost.
// Unset in production; the worker logs loudly when any is armed.
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

export interface Failpoint { activity: string; nth: number }

export function parseFailpoints(spec: string | undefined): Failpoint[] {
  if (!spec?.trim()) return [];
  return spec.split(',').map((raw) => {
    const m = /^crash-after:([A-Za-z]\w*)(?:#([1-9]\d*))?$/.exec(raw.trim());
    if (!m) throw new Error(`ETCD_OPERATOR_FAILPOINTS: "${raw}" is not crash-after:<activity>[#n]`);
    return { activity: m[1]!, nth: Number(m[2] ?? 1) };
  });
}

export function failpointInterceptors(failpoints: Failpoint[], crash: () => void = () => process.kill(process.pid, 'SIGKILL')): ActivityInterceptorsFactory[] {
  if (!failpoints.length) return [];
  const done = new Map<string, number>();
  return [(ctx) => ({
    inbound: {
      async execute(input, next) {
        const result = await next(input);
        const type = ctx.info.activityType;
        const n = (done.get(type) ?? 0) + 1;
        done.set(type, n);
        if (failpoints.some((f) => f.activity === type && f.nth === n)) {
          process.stderr.write(`failpoint: crash after ${type} #${n}\n`);
          crash();
          await new Promise(() => {}); // never report this completion
        }
        return result;
      },
    },
  })];
}
