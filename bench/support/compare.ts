// Two bench runs side by side (`npm run bench:compare`): each measure's median before and after, the
// change, and whether it moved past the noise: the after median outside the before run's min-max,
// by 5% of the before median or more.
// Pure functions: tested in test/unit/bench-compare.test.ts.
import { formatNumber, tableLine } from './report.ts';
import type { Results } from './report.ts';
import type { Row } from './rows.ts';

/** Units where more is better (throughput); in every other unit (time, memory, requests) less is. */
const MORE_IS_BETTER = new Set(['MiB/s', 'puts/s']);

export type Verdict = 'better' | 'worse' | 'within noise' | 'added' | 'removed';

export interface Change {
  bench: string;
  measure: string;
  unit: string;
  before?: Row;
  after?: Row;
  /** after median / before median - 1. */
  change?: number;
  verdict: Verdict;
}

const keyOf = (r: Pick<Row, 'bench' | 'measure'>) => `${r.bench}\u0000${r.measure}`;
const measured = (r: Row | undefined): r is Row => r !== undefined && r.runs > 0 && Number.isFinite(r.median);

/** A move of less than this (a fraction of the before median) is noise, even past the before run's spread. */
const NOISE_FLOOR = 0.05;

/** Better or worse only when the after median lies outside the before run's spread (min-max), by 5% or more. */
export function verdictOf(before: Row, after: Row): Verdict {
  if (after.median >= before.min && after.median <= before.max) return 'within noise';
  if (Math.abs(after.median / before.median - 1) < NOISE_FLOOR) return 'within noise';
  const up = after.median > before.max;
  return up === MORE_IS_BETTER.has(after.unit) ? 'better' : 'worse';
}

/** Every measure of either run, in the after run's order, then those only the before run has. */
export function compareRows(before: readonly Row[], after: readonly Row[]): Change[] {
  const old = new Map(before.map((r) => [keyOf(r), r]));
  const changes: Change[] = after.map((a) => {
    const b = old.get(keyOf(a));
    old.delete(keyOf(a));
    if (!measured(b) || !measured(a)) return { bench: a.bench, measure: a.measure, unit: a.unit, ...(b && { before: b }), after: a, verdict: b ? 'within noise' : 'added' };
    return { bench: a.bench, measure: a.measure, unit: a.unit, before: b, after: a, change: a.median / b.median - 1, verdict: verdictOf(b, a) };
  });
  for (const b of old.values()) changes.push({ bench: b.bench, measure: b.measure, unit: b.unit, before: b, verdict: 'removed' });
  return changes;
}

const ratio = (r: Row | undefined) => (r?.ratio === undefined || r.ratio === null ? '' : `${formatNumber(r.ratio)}x`);
const met = (r: Row | undefined) => (r?.met === undefined ? '' : r.met ? 'yes' : 'no');
const arrow = (a: string, b: string) => (a || b ? `${a || '-'} -> ${b || '-'}` : '');

/** The markdown table of a comparison, with where each run comes from above it. */
export function renderComparison(before: Results, after: Results, changes: readonly Change[]): string {
  const from = (r: Results) => `${r.date.slice(0, 16).replace('T', ' ')}, commit ${r.commit.slice(0, 12)}${r.dirty ? ' (with uncommitted changes)' : ''}, ${r.runs} runs`;
  const out = [
    `before: ${from(before)}`,
    `after:  ${from(after)}`,
    '',
    tableLine(['bench', 'measure', 'before', 'after', 'change', 'verdict', 'ratio', 'target met']),
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const c of changes) {
    const value = (r: Row | undefined) => (r ? `${formatNumber(r.median)} ${c.unit} (${formatNumber(r.min)}-${formatNumber(r.max)})` : '');
    const change = c.change === undefined ? '' : `${c.change >= 0 ? '+' : ''}${(c.change * 100).toFixed(1)}%`;
    out.push(tableLine([c.bench, c.measure, value(c.before), value(c.after), change, c.verdict === 'within noise' ? c.verdict : `**${c.verdict}**`, arrow(ratio(c.before), ratio(c.after)), arrow(met(c.before), met(c.after))]));
  }
  return out.join('\n');
}
