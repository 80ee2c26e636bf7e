// Whether a merge patch (RFC 7386) would change an object: unchanged status writes are skipped.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergePatchIsNoop } from '../../k8s/merge-patch.ts';

const current = { readyMembers: 3, members: [{ name: 'a', healthy: true }], conditions: [{ type: 'Available', status: 'True' }], operation: { type: 'Scale', step: 'x' } };

describe('mergePatchIsNoop', () => {
  const cases: { name: string; patch: unknown; want: boolean }[] = [
    { name: 'the same values', patch: { readyMembers: 3, members: [{ name: 'a', healthy: true }] }, want: true },
    { name: 'an empty patch', patch: {}, want: true },
    { name: 'a changed number', patch: { readyMembers: 2 }, want: false },
    { name: 'a changed array element (arrays are replaced whole)', patch: { members: [{ name: 'a', healthy: false }] }, want: false },
    { name: 'an array with an element more', patch: { members: [{ name: 'a', healthy: true }, { name: 'b', healthy: true }] }, want: false },
    { name: 'a nested field the same', patch: { operation: { step: 'x' } }, want: true },
    { name: 'a nested field changed', patch: { operation: { step: 'y' } }, want: false },
    { name: 'a new field', patch: { currentVersion: '3.6.0' }, want: false },
    { name: 'null deletes an existing field', patch: { operation: null }, want: false },
    { name: 'null for an absent field', patch: { restoredFrom: null }, want: true },
    { name: 'undefined is dropped by JSON', patch: { currentVersion: undefined }, want: true },
  ];
  for (const c of cases) it(c.name, () => assert.equal(mergePatchIsNoop(current, c.patch), c.want));
});
