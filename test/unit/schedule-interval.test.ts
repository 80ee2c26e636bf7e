import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scheduleIntervalSeconds } from '../../domain/schedule-interval.ts';

describe('scheduleIntervalSeconds', () => {
  const cases: [string, number | undefined][] = [
    ['@hourly', 3600], ['@daily', 86_400], ['@weekly', 604_800], ['@every 30m', 1800], ['@every 90s', 90], ['@every 2h', 7200],
    ['*/15 * * * *', 900], ['0 * * * *', 3600], ['5 */6 * * *', 21_600], ['30 2 * * *', 86_400], ['0 3 * * 0', 604_800], ['* * * * *', 60],
    ['0 9-17 * * *', undefined], ['0 0 1 * *', undefined], ['0,30 * * * *', undefined], ['nonsense', undefined],
  ];
  for (const [s, want] of cases) it(`${s} -> ${want ?? 'unknown'}`, () => assert.equal(scheduleIntervalSeconds(s), want));
});
