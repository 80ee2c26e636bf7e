// The benches' statistics and command line (bench/support): the true median, min, max; options typed
// as their defaults, unknown ones ignored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { median, summary } from '../../bench/support/stats.ts';
import { benchArgs } from '../../bench/support/args.ts';
import { row } from '../../bench/support/rows.ts';

describe('summary', () => {
  const cases: { name: string; xs: number[]; want: { median: number; min: number; max: number; runs: number } }[] = [
    { name: 'one value', xs: [4.2], want: { median: 4.2, min: 4.2, max: 4.2, runs: 1 } },
    { name: 'two values: their mean, not the larger', xs: [3, 1], want: { median: 2, min: 1, max: 3, runs: 2 } },
    { name: 'an odd count: the middle one, unsorted input', xs: [9, 1, 5], want: { median: 5, min: 1, max: 9, runs: 3 } },
    { name: 'an even count: the mean of the two middle ones', xs: [10, 1, 4, 2], want: { median: 3, min: 1, max: 10, runs: 4 } },
    { name: 'equal values', xs: [7, 7, 7], want: { median: 7, min: 7, max: 7, runs: 3 } },
    { name: 'negative values', xs: [-1, -3], want: { median: -2, min: -3, max: -1, runs: 2 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { all, ...rest } = summary(c.xs);
      assert.deepEqual(rest, c.want);
      assert.deepEqual(all, c.xs);
    });
  }
  it('no samples: NaN, not a number that looks measured', () => {
    const s = summary([]);
    assert.ok(Number.isNaN(s.median) && Number.isNaN(s.min) && Number.isNaN(s.max));
    assert.equal(s.runs, 0);
  });
  it('does not reorder its input', () => {
    const xs = [3, 1, 2];
    median(xs);
    assert.deepEqual(xs, [3, 1, 2]);
  });
});

describe('benchArgs', () => {
  const defaults = { runs: 3, sizes: '64,256', readme: false };
  const cases: { name: string; argv: string[]; want: typeof defaults }[] = [
    { name: 'nothing given: the defaults', argv: [], want: defaults },
    { name: 'a number', argv: ['--runs', '5'], want: { ...defaults, runs: 5 } },
    { name: '--name=value', argv: ['--runs=7', '--sizes=32'], want: { ...defaults, runs: 7, sizes: '32' } },
    { name: 'a flag', argv: ['--readme'], want: { ...defaults, readme: true } },
    { name: 'an option the bench does not know is ignored', argv: ['--clusters', '20', '--runs', '4'], want: { ...defaults, runs: 4 } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(benchArgs(defaults, c.argv), c.want));
  it('a number option that is not a number fails', () => assert.throws(() => benchArgs(defaults, ['--runs', 'three']), /--runs needs a number/));
  it('a value option without its value fails', () => assert.throws(() => benchArgs(defaults, ['--runs']), /--runs needs a value/));
});

describe('row', () => {
  it('takes the ratio to its baseline and judges its target', () => {
    const base = row('b', 'bare', 's', [2, 4]);
    const r = row('b', 'ours', 's', [5, 7, 6], { baseline: base, target: '<= 2x', check: (x) => x.ratio! <= 2 });
    assert.deepEqual(r, { bench: 'b', measure: 'ours', unit: 's', median: 6, min: 5, max: 7, runs: 3, baseline: { measure: 'bare', median: 3 }, ratio: 2, target: '<= 2x', met: true });
  });
  it('a target without a check (its baseline not measured) is text only', () => {
    const r = row('b', 'restore', 's', [1], { target: '<= 1.5x restore + pod start' });
    assert.equal(r.target, '<= 1.5x restore + pod start');
    assert.equal('met' in r, false);
  });
  it('nothing measured is neither met nor missed', () => {
    assert.equal('met' in row('b', 'p99', 'ms', [], { target: '<= 250 ms', check: (x) => x.median <= 250 }), false);
  });
});
