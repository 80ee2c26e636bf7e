// Two bench runs side by side (bench/support/compare.ts): matched by bench and measure, better or
// worse only past the earlier run's spread, in the direction the unit says is good.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareRows, renderComparison, verdictOf } from '../../bench/support/compare.ts';
import type { Results } from '../../bench/support/report.ts';
import { row } from '../../bench/support/rows.ts';

describe('verdictOf', () => {
  const cases: [string, number[], number[], string][] = [
    ['s', [5, 6, 7], [4, 4.5, 4.8], 'better'],
    ['s', [5, 6, 7], [8, 9, 10], 'worse'],
    ['s', [5, 6, 7], [6.5, 7, 8], 'within noise'],
    ['MiB/s', [60, 70, 80], [90, 95, 99], 'better'],
    ['MiB/s', [60, 70, 80], [40, 50, 55], 'worse'],
    ['puts/s', [900, 1000, 1100], [1050, 1080, 1200], 'within noise'],
    ['MiB', [250, 260, 270], [290, 300, 310], 'worse'],
    // Past the spread by less than 5%: a tight spread is not a change.
    ['s', [4.7, 4.89, 4.91], [4.75, 4.94, 6.05], 'within noise'],
  ];
  for (const [unit, before, after, want] of cases) {
    it(`${unit}: ${before.join(',')} -> ${after.join(',')} is ${want}`, () => assert.equal(verdictOf(row('b', 'm', unit, before), row('b', 'm', unit, after)), want));
  }
});

describe('compareRows', () => {
  it('matches rows by bench and measure, in the after run\'s order; new and dropped measures are marked', () => {
    const bare = row('failover', 'bare pod restart', 's', [4, 4.2, 4.4]);
    const before = [bare, row('failover', 'follower pod deleted', 's', [5, 5.2, 5.4], { baseline: bare }), row('backup', 'gone', 's', [1])];
    const after = [row('failover', 'follower pod deleted', 's', [4.4, 4.5, 4.6], { baseline: bare }), bare, row('cli', 'new', 's', [0.2])];
    const changes = compareRows(before, after);
    assert.deepEqual(changes.map((c) => [c.measure, c.verdict]), [['follower pod deleted', 'better'], ['bare pod restart', 'within noise'], ['new', 'added'], ['gone', 'removed']]);
    assert.equal(changes[0]!.change!.toFixed(4), (4.5 / 5.2 - 1).toFixed(4));
    assert.equal(changes[1]!.change, 0);
  });

  it('a measure that did not run (no samples) on either side has no change and no verdict past noise', () => {
    const [c] = compareRows([row('b', 'm', 's', [])], [row('b', 'm', 's', [3])]);
    assert.equal(c!.change, undefined);
    assert.equal(c!.verdict, 'within noise');
  });
});

describe('renderComparison', () => {
  it('says where each run comes from, then one line a measure with medians, spread, change, ratios and targets', () => {
    const bare = row('failover', 'bare', 's', [4, 4.2, 4.4]);
    const results = (commit: string, rows: Results['rows']): Results => ({ date: '2026-12-07T03:00:00.000Z', commit, dirty: false, machine: { cpus: 2, cpuModel: 'x', memoryGiB: 24, node: 'v24', platform: 'linux-x64' }, runs: 3, benches: [], rows });
    const check = (r: { median: number }) => r.median <= 5.2;
    const before = results('a'.repeat(40), [row('failover', 'follower', 's', [5, 5.4, 6], { baseline: bare, target: '<= bare + 1 s', check })]);
    const after = results('b'.repeat(40), [row('failover', 'follower', 's', [4.4, 4.5, 4.6], { baseline: bare, target: '<= bare + 1 s', check })]);
    const lines = renderComparison(before, after, compareRows(before.rows, after.rows)).split('\n');
    assert.equal(lines[0], 'before: 2026-12-07 03:00, commit aaaaaaaaaaaa, 3 runs');
    assert.equal(lines[1], 'after:  2026-12-07 03:00, commit bbbbbbbbbbbb, 3 runs');
    assert.equal(lines[3], '| bench | measure | before | after | change | verdict | ratio | target met |');
    assert.equal(lines[5], '| failover | follower | 5.40 s (5-6) | 4.50 s (4.40-4.60) | -16.7% | **better** | 1.29x -> 1.07x | no -> yes |');
  });
});
