// A wait looks again inside its attempt (every 0.5 s for 5 s in the operator) before it fails NotYet.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { pollingWithin, pollWithin } from '../../activities/poll-within.ts';
import { notYet } from '../../activities/not-yet.ts';

const fast = { everyMs: 10, forMs: 200 };

describe('pollWithin', () => {
  it('returns as soon as the condition holds, within the same attempt', async () => {
    let calls = 0;
    const check = pollWithin(async (x: number) => { calls += 1; if (calls < 4) throw notYet('not yet'); return x * 2; }, fast);
    assert.equal(await check(21), 42);
    assert.equal(calls, 4);
  });

  it('fails with the last NotYet once its time is up (the retry policy takes over)', async () => {
    let calls = 0;
    const check = pollWithin(async () => { calls += 1; throw notYet(`look ${calls}`); }, fast);
    await assert.rejects(check(), (err: ApplicationFailure) => err.type === 'NotYet' && err.message === `look ${calls}`);
    assert.ok(calls >= 5 && calls <= 21, `looked ${calls} times in 200 ms at 10 ms`);
  });

  it('any other failure ends the attempt at once', async () => {
    let calls = 0;
    const check = pollWithin(async () => { calls += 1; throw ApplicationFailure.nonRetryable('crash-looping', 'MemberCrashLooping'); }, fast);
    await assert.rejects(check(), /crash-looping/);
    assert.equal(calls, 1);
  });

  it('pollingWithin wraps the named activities only', async () => {
    let a = 0;
    let b = 0;
    const acts = pollingWithin({ waitA: async () => { a += 1; if (a < 3) throw notYet('a'); }, other: async () => { b += 1; throw notYet('b'); } }, ['waitA'], fast);
    await acts.waitA();
    await assert.rejects(acts.other());
    assert.deepEqual([a, b], [3, 1]);
  });
});
