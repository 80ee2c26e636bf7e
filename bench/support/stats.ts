// The statistics every bench reports: the true median (for an even count the mean of the two middle
// values; the benches' own median used to pick the larger of two), min, max and the samples.

export interface Summary { median: number; min: number; max: number; runs: number; all: number[] }

/** The true median; NaN for no samples (a bench that measured nothing shows n/a, not a number). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summary(xs: readonly number[]): Summary {
  return {
    median: median(xs),
    min: xs.length ? Math.min(...xs) : NaN,
    max: xs.length ? Math.max(...xs) : NaN,
    runs: xs.length,
    all: [...xs],
  };
}

/** Seconds since `t0`, a `performance.now()` reading: what every bench times with. */
export const seconds = (t0: number): number => (performance.now() - t0) / 1000;
