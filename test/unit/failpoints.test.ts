import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { failpointInterceptors, parseFailpoints } from '../../worker/failpoints.ts';

describe('failpoints', () => {
  it('parses crash-after with and without an ordinal', () => {
    assert.deepEqual(parseFailpoints('crash-after:applyMember#2, crash-after:reportStep'), [
      { activity: 'applyMember', nth: 2 }, { activity: 'reportStep', nth: 1 },
    ]);
    assert.deepEqual(parseFailpoints(undefined), []);
    assert.deepEqual(parseFailpoints(' '), []);
  });

  for (const bad of ['crash-before:applyMember', 'crash-after:', 'crash-after:applyMember#0', 'applyMember']) {
    it(`rejects "${bad}" naming the entry`, () => {
      assert.throws(() => parseFailpoints(bad), new RegExp(`"${bad}" is not crash-after:<activity>\\[#n\\]`.replace(/\+/g, '\\+')));
    });
  }

  it('crashes after the n-th completion of the named activity, once its work is done, and never before', async () => {
    const crashes: string[] = [];
    const [factory] = failpointInterceptors(parseFailpoints('crash-after:applyMember#2'), () => { crashes.push('crash'); });
    const run = (activityType: string, work: () => string) => {
      const inbound = factory!({ info: { activityType } } as never).inbound as ActivityInboundCallsInterceptor;
      return inbound.execute!({ args: [], headers: {} }, async () => work());
    };
    const effects: string[] = [];
    assert.equal(await run('applyMember', () => { effects.push('m0'); return 'created'; }), 'created');
    assert.equal(await run('reportStep', () => { effects.push('step'); return 'ok'; }), 'ok');
    assert.deepEqual(crashes, []);
    const second = run('applyMember', () => { effects.push('m1'); return 'created'; });
    const settled = await Promise.race([second.then(() => 'completed'), new Promise((r) => setTimeout(() => r('held'), 50))]);
    assert.deepEqual([effects, crashes, settled], [['m0', 'step', 'm1'], ['crash'], 'held']);
  });

  it('arms nothing when unset', () => {
    assert.deepEqual(failpointInterceptors([]), []);
  });
});
