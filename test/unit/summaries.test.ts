// What the Temporal UI shows next to each workflow and activity.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { activitySummary, operationSummary } from '../../workflows/summaries.ts';

const key = { namespace: 'default', name: 'example', uid: 'u1' };

describe('summaries', () => {
  it('an operation names its type, its cluster and why it runs', () => {
    assert.equal(operationSummary(key, 'Scale', 'scaling 3 -> 5: adding example-4'), 'Scale default/example: scaling 3 -> 5: adding example-4');
    assert.equal(operationSummary(key, 'Create'), 'Create default/example');
  });

  const cases: { name: string; args: unknown[]; want: string | undefined }[] = [
    { name: 'a member', args: [key, 'example-4'], want: 'example-4 · default/example' },
    { name: 'a plan with a member', args: [key, { member: 'example-2', state: 'existing', requireVolume: true }], want: 'example-2 · default/example' },
    { name: 'a step', args: [key, { type: 'Scale', workflowId: 'w', step: 'promote example-4', startedAt: 't' }], want: 'promote example-4 · default/example' },
    { name: 'an Event reason', args: [key, { id: 'x', type: 'Normal', reason: 'ScaleStarted', message: 'long text' }], want: 'ScaleStarted · default/example' },
    { name: 'the cluster only', args: [key], want: '· default/example' },
    { name: 'nothing to say', args: [42], want: undefined },
    { name: 'a boolean flag is not a subject', args: [key, 'example-1', true], want: 'example-1 · default/example' },
  ];
  for (const c of cases) it(`an activity: ${c.name}`, () => assert.equal(activitySummary(c.args), c.want));

  it('a summary stays one short line', () => {
    const s = operationSummary(key, 'Recover', 'x'.repeat(500));
    assert.ok(s.length <= 200 && s.endsWith('…'));
  });
});
