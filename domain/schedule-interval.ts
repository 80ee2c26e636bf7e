// The usual gap between two runs of a backup schedule, for the "no successful backup in twice the
// schedule" alert. Exact for macros and @every; for cron, the common shapes (every N minutes, hourly,
// every N hours, daily, weekly); undefined for anything else (no alert threshold is exported then).
const UNIT = { s: 1, m: 60, h: 3600, d: 86_400 } as const;
const MACROS: Record<string, number> = { '@hourly': 3600, '@daily': 86_400, '@midnight': 86_400, '@weekly': 604_800, '@monthly': 2_678_400, '@yearly': 31_536_000, '@annually': 31_536_000 };

const fixed = (f: string) => /^\d+$/.test(f);
const step = (f: string) => { const m = /^\*\/(\d+)$/.exec(f); return m ? Number(m[1]) : undefined; };

export function scheduleIntervalSeconds(schedule: string): number | undefined {
  const s = schedule.trim();
  if (MACROS[s]) return MACROS[s];
  const every = /^@every (\d+)([smhd])$/.exec(s);
  if (every) return Number(every[1]) * UNIT[every[2] as keyof typeof UNIT];
  const f = s.split(/\s+/);
  if (f.length !== 5) return undefined;
  const [min, hour, dom, month, dow] = f as [string, string, string, string, string];
  if (dom !== '*' || month !== '*') return undefined;
  if (dow !== '*') return fixed(min) && fixed(hour) && fixed(dow) ? 604_800 : undefined;
  if (min === '*') return hour === '*' ? 60 : undefined;
  if (step(min) && hour === '*') return step(min)! * 60;
  if (!fixed(min)) return undefined;
  if (hour === '*') return 3600;
  if (step(hour)) return step(hour)! * 3600;
  return fixed(hour) ? 86_400 : undefined;
}
