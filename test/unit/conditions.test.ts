import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Condition } from '../../k8s/cluster-status.ts';
import { REASONS, getCondition, isConditionTrue, rfc3339, setCondition, type ConditionUpdate } from '../../k8s/conditions.ts';

const T0 = '2025-01-01T00:00:00Z';
const NOW = new Date('2025-06-01T12:30:45.678Z');
const NOW_S = '2025-06-01T12:30:45Z';

const available: Condition = { type: 'Available', status: 'True', reason: REASONS.Available.QuorumHealthy, lastTransitionTime: T0, observedGeneration: 1 };
const progressing: Condition = { type: 'Progressing', status: 'False', reason: REASONS.Progressing.Idle, lastTransitionTime: T0 };

describe('setCondition', () => {
  const cases: { name: string; before: Condition[] | undefined; next: ConditionUpdate; want: Condition[] }[] = [
    {
      name: 'appends a new condition stamped now, to the second',
      before: undefined,
      next: { type: 'SpecValid', status: 'True', reason: REASONS.SpecValid.Valid },
      want: [{ type: 'SpecValid', status: 'True', reason: 'Valid', lastTransitionTime: NOW_S }],
    },
    {
      name: 'keeps lastTransitionTime when the status does not change, even if reason and message do',
      before: [available],
      next: { type: 'Available', status: 'True', reason: REASONS.Available.QuorumHealthy, message: '5/5 healthy', observedGeneration: 2 },
      want: [{ type: 'Available', status: 'True', reason: 'QuorumHealthy', message: '5/5 healthy', lastTransitionTime: T0, observedGeneration: 2 }],
    },
    {
      name: 'moves lastTransitionTime when the status flips',
      before: [available],
      next: { type: 'Available', status: 'False', reason: REASONS.Available.QuorumLost, message: '1/3 healthy' },
      want: [{ type: 'Available', status: 'False', reason: 'QuorumLost', message: '1/3 healthy', lastTransitionTime: NOW_S }],
    },
    {
      name: 'True -> Unknown is a transition too',
      before: [available],
      next: { type: 'Available', status: 'Unknown', reason: REASONS.Available.Bootstrapping },
      want: [{ type: 'Available', status: 'Unknown', reason: 'Bootstrapping', lastTransitionTime: NOW_S }],
    },
    {
      name: 'replaces in place and leaves other types alone',
      before: [available, progressing],
      next: { type: 'Progressing', status: 'True', reason: REASONS.Progressing.OperationRunning, message: 'Scale' },
      want: [available, { type: 'Progressing', status: 'True', reason: 'OperationRunning', message: 'Scale', lastTransitionTime: NOW_S }],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(setCondition(c.before, c.next, NOW), c.want));

  it('does not mutate the list it was given', () => {
    const before = [available, progressing];
    const copy = structuredClone(before);
    setCondition(before, { type: 'Available', status: 'False', reason: REASONS.Available.QuorumLost }, NOW);
    assert.deepEqual(before, copy);
  });
});

describe('condition helpers', () => {
  it('rfc3339 drops milliseconds like metav1.Time', () => assert.equal(rfc3339(NOW), NOW_S));
  it('getCondition finds by type', () => assert.equal(getCondition([available, progressing], 'Progressing'), progressing));
  const truth: [string, Condition[] | undefined, boolean][] = [
    ['True condition', [available], true],
    ['False condition', [{ ...available, status: 'False' }], false],
    ['missing condition', [progressing], false],
    ['no conditions at all', undefined, false],
  ];
  for (const [name, list, want] of truth) it(`isConditionTrue: ${name} -> ${want}`, () => assert.equal(isConditionTrue(list, 'Available'), want));
  it('every reason is a valid metav1.Condition reason', () => {
    for (const group of Object.values(REASONS)) for (const r of Object.values(group)) assert.match(r, /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/);
  });
});
