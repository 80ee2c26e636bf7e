import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { maxCachedWorkflows } from '../../worker/cache-size.ts';

describe('--max-cached-workflows', () => {
  for (const [value, expected] of [[undefined, undefined], ['', undefined], ['0', 0], ['2', 2], ['40', 40]] as const) {
    it(`${JSON.stringify(value)} -> ${expected}`, () => assert.equal(maxCachedWorkflows(value), expected));
  }
  for (const bad of ['1', '-3', '2.5', 'many']) {
    it(`refuses ${JSON.stringify(bad)} with a message naming the setting`, () => {
      assert.throws(() => maxCachedWorkflows(bad), /ETCD_OPERATOR_MAX_CACHED_WORKFLOWS must be 0 \(no cache\) or a whole number of at least 2/);
    });
  }
});
