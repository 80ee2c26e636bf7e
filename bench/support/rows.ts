// The one row format every bench emits besides its own JSON and table, so bench/all.ts can print all
// of them as one table and bench/results/ can compare one change with the next.
import { appendFileSync } from 'node:fs';
import { summary } from './stats.ts';

export interface Row {
  bench: string;
  measure: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  /** What the ratio is taken against: a measure of the same run, usually without the operator. */
  baseline?: { measure: string; median: number };
  /** median / baseline median. */
  ratio?: number;
  /** The target, as text. */
  target?: string;
  /** Whether the target is met; absent where there is no target, or its baseline is not measured yet. */
  met?: boolean;
}

export interface RowOptions {
  baseline?: Pick<Row, 'measure' | 'median'>;
  target?: string;
  /** Judges the target; leave it out for a target whose baseline this bench does not measure. */
  check?: (r: Row) => boolean;
}

/** A row for `bench` from its samples. */
export function row(bench: string, measure: string, unit: string, samples: readonly number[], o: RowOptions = {}): Row {
  const { median, min, max, runs } = summary(samples);
  const r: Row = { bench, measure, unit, median, min, max, runs };
  if (o.baseline) {
    r.baseline = { measure: o.baseline.measure, median: o.baseline.median };
    r.ratio = median / o.baseline.median;
  }
  if (o.target !== undefined) r.target = o.target;
  // Nothing measured (NaN) is neither met nor missed.
  if (o.target !== undefined && o.check && Number.isFinite(median)) r.met = o.check(r);
  return r;
}

/** `row` with the bench's name bound. */
export const rowsOf = (bench: string) => (measure: string, unit: string, samples: readonly number[], o?: RowOptions) => row(bench, measure, unit, samples, o);

/** Each judged target of these rows, by measure: met or not (a bench's JSON reports the rows' own targets). */
export const targetsMet = (rows: readonly Row[]): Record<string, boolean> =>
  Object.fromEntries(rows.filter((r) => r.met !== undefined).map((r) => [r.measure, r.met!]));

/** Appends the rows, one JSON object a line, to $BENCH_ROWS_FILE when it is set (bench/all.ts sets it). */
export function emitRows(rows: readonly Row[], file = process.env.BENCH_ROWS_FILE): void {
  if (!file || rows.length === 0) return;
  appendFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** The rows a file of emitted rows holds (blank lines skipped). */
export function parseRows(text: string): Row[] {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Row);
}
