import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberHealthy, type MemberStatus } from '../../domain/health.ts';

const cases: [string, MemberStatus | undefined, boolean][] = [
  ['no answer', undefined, false],
  ['a leader known, no errors', { leader: '8e9e05c52164694d', errors: [] }, true],
  ['no leader (cut off, or an election in progress)', { leader: '0', errors: [] }, false],
  ['a NOSPACE alarm: still serves reads, the planner clears it', { leader: '1', errors: ['memberID:1 alarm:NOSPACE'] }, true],
  ['a CORRUPT alarm', { leader: '1', errors: ['memberID:1 alarm:CORRUPT'] }, false],
  ['NOSPACE and another error', { leader: '1', errors: ['memberID:1 alarm:NOSPACE', 'raft: disk too slow'] }, false],
];

for (const [name, status, healthy] of cases) {
  test(`memberHealthy: ${name} -> ${healthy}`, () => assert.equal(memberHealthy(status), healthy));
}
