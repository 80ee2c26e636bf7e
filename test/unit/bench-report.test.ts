// The one bench table (bench/support/report.ts) and the README block between its markers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BEGIN, END, formatNumber, renderReadmeBlock, renderTable, replaceBetweenMarkers, type Results } from '../../bench/support/report.ts';
import { row, targetsMet } from '../../bench/support/rows.ts';

describe('formatNumber', () => {
  const cases: [number | null, string][] = [[0.0531, '0.053'], [1.234, '1.23'], [12.345, '12.3'], [303.4, '303'], [12, '12'], [NaN, 'n/a'], [null, 'n/a']];
  for (const [x, want] of cases) it(`${x} -> ${want}`, () => assert.equal(formatNumber(x), want));
});

describe('renderTable', () => {
  const bare = row('failover', 'bare pod restart', 's', [5, 6, 7]);
  const rows = [
    bare,
    row('failover', 'follower pod deleted', 's', [6, 6.5, 7], { baseline: bare, target: '<= bare restart + 1 s', check: (r) => r.median <= bare.median + 1 }),
    row('failover', 'scale 3 -> 4', 's', [14, 16, 15], { baseline: bare, target: '<= 2x bare restart', check: (r) => r.ratio! <= 2 }),
    row('backup', 'restore | 1 member', 's', [3], { target: '<= 1.5x (not measured yet)' }),
  ];

  it('one line a row: runs, median with unit, min-max, baseline, ratio, target, met', () => {
    const lines = renderTable(rows).split('\n');
    assert.equal(lines[0], '| bench | measure | runs | median | min-max | baseline median | ratio | target | met |');
    assert.equal(lines[2], '| failover | bare pod restart | 3 | 6 s | 5-7 | | | | |');
    assert.equal(lines[3], '| failover | follower pod deleted | 3 | 6.50 s | 6-7 | 6 s (bare pod restart) | 1.08x | <= bare restart + 1 s | yes |');
    assert.equal(lines[4], '| failover | scale 3 -> 4 | 3 | 15 s | 14-16 | 6 s (bare pod restart) | 2.50x | <= 2x bare restart | **no** |');
    // A pipe in a measure is escaped; a target that cannot be judged leaves met empty.
    assert.equal(lines[5], '| backup | restore \\| 1 member | 1 | 3 s | 3-3 | | | <= 1.5x (not measured yet) | |');
    assert.equal(lines.length, 6);
  });

  it('a failed or skipped bench is a line of its own, in the order run', () => {
    const lines = renderTable(rows, [
      { bench: 'failover', status: 'ok' },
      { bench: 'upgrade', status: 'failed', reason: 'exit 1' },
      { bench: 'backup', status: 'ok' },
      { bench: 'node-loss', status: 'skipped', reason: 'needs a 3-node stack' },
    ]).split('\n');
    assert.deepEqual(lines.slice(2).map((l) => l.split(' | ').slice(0, 2).join(' | ')), [
      '| failover | bare pod restart', '| failover | follower pod deleted', '| failover | scale 3 -> 4',
      '| upgrade | **failed**: exit 1',
      '| backup | restore \\| 1 member',
      '| node-loss | **skipped**: needs a 3-node stack',
    ]);
  });

  it('values that were NaN (null in the results JSON) are n/a', () => {
    const fromJson = JSON.parse(JSON.stringify(row('scale', 'p99', 'ms', []))) as typeof rows[number];
    assert.equal(renderTable([fromJson]).split('\n')[2], '| scale | p99 | 0 | n/a ms | n/a | | | | |');
  });
});

describe('renderReadmeBlock', () => {
  it('says where and on what the numbers were measured, then the table', () => {
    const results: Results = {
      date: '2026-12-06T01:02:03.000Z', commit: '0123456789abcdef0123', dirty: true, runs: 3,
      machine: { cpus: 8, cpuModel: 'Some CPU', memoryGiB: 31.3, node: 'v24.22.3', platform: 'linux-x64' },
      benches: [{ bench: 'cli', status: 'ok' }], rows: [row('cli', 'etcdop --help', 's', [0.05])],
    };
    const [, second, blank, header] = renderReadmeBlock(results).split('\n');
    assert.match(second!, /^on 2026-12-06, commit 0123456789ab with uncommitted changes; 8 CPUs \(Some CPU\), 31.3 GiB, Node v24.22.3\./);
    assert.equal(blank, '');
    assert.match(header!, /^\| bench \| measure \|/);
  });
});

describe('replaceBetweenMarkers', () => {
  const text = `# T\n\n## Benchmarks\n\nIntro.\n\n${BEGIN}\nold table\n${END}\n\nRest.\n`;

  it('replaces only what is between the markers, and is idempotent', () => {
    const once = replaceBetweenMarkers(text, '| new |\n');
    assert.equal(once, `# T\n\n## Benchmarks\n\nIntro.\n\n${BEGIN}\n\n| new |\n\n${END}\n\nRest.\n`);
    assert.equal(replaceBetweenMarkers(once, '| new |'), once);
  });

  const bad: [string, string, RegExp][] = [
    ['no markers', '# T\n', /no <!-- bench-table:begin -->/],
    ['only the begin marker', `${BEGIN}\n`, /no <!-- bench-table:begin -->/],
    ['the end before the begin', `${END}\n${BEGIN}\n`, /once each, in that order/],
    ['a marker twice', `${BEGIN}\n${END}\n${BEGIN}\n${END}\n`, /once each, in that order/],
  ];
  for (const [name, input, error] of bad) it(`fails on ${name}`, () => assert.throws(() => replaceBetweenMarkers(input, 'x'), error));
});

describe('targetsMet', () => {
  it('reports each judged target by measure, and leaves out rows without one or not judged', () => {
    const rows = [
      row('b', 'fast', 's', [1], { target: '<= 2 s', check: (r) => r.median <= 2 }),
      row('b', 'slow', 's', [3], { target: '<= 2 s', check: (r) => r.median <= 2 }),
      row('b', 'unjudged', 's', [3], { target: 'text only' }),
      row('b', 'plain', 's', [3]),
    ];
    assert.deepEqual(targetsMet(rows), { fast: true, slow: false });
  });
});
