// Which version changes the operator accepts against what the members run now, table-driven.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { upgradePathProblem } from '../../k8s/upgrade-path.ts';

describe('upgradePathProblem', () => {
  const ok: [string[], string][] = [
    [['3.5.35', '3.5.35', '3.5.35'], '3.6.16'],
    [['3.5.35'], '3.5.36'],
    [['3.6.16'], '3.6.15'], // a patch downgrade inside a minor is supported by etcd
    [['3.5.35', '3.6.16'], '3.6.16'], // an upgrade half-way
    [[], '3.6.16'],
  ];
  for (const [running, desired] of ok) it(`${running.join(',') || 'nothing'} -> ${desired} is accepted`, () => assert.equal(upgradePathProblem(running, desired), undefined));

  const refused: [string[], string, RegExp][] = [
    [['3.6.16'], '3.5.35', /downgrade of the minor version.*already runs 3\.6/],
    [['3.5.35', '3.6.16'], '3.5.35', /downgrade/],
    [['3.4.30'], '3.6.16', /skips a minor version.*3\.4 -> 3\.5 first/],
    [['3.6.16'], '4.0.0', /changes the major version/],
  ];
  for (const [running, desired, rule] of refused) it(`${running.join(',')} -> ${desired} is refused, naming the rule`, () => assert.match(upgradePathProblem(running, desired) ?? '', rule));
});
