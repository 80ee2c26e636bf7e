import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orderSuites } from '../support/suite-order.ts';

const files = ['test/unit/a.test.ts', 'test/workflows/w.test.ts', 'test/e2e/x.test.ts', 'test/e2e/y.test.ts', 'test/integration/i.test.ts'];

test('with no recorded times, e2e suites go first, then integration, workflows, unit', () => {
  assert.deepEqual(orderSuites(files, {}), [
    'test/e2e/x.test.ts', 'test/e2e/y.test.ts', 'test/integration/i.test.ts', 'test/workflows/w.test.ts', 'test/unit/a.test.ts',
  ]);
});

test('recorded times order longest first; an unrecorded e2e suite counts as the longest of its folder', () => {
  const recorded = { 'test/e2e/x.test.ts': 1000, 'test/workflows/w.test.ts': 5000, 'test/unit/a.test.ts': 10, 'test/integration/i.test.ts': 800 };
  assert.deepEqual(orderSuites(files, recorded), [
    'test/workflows/w.test.ts', 'test/e2e/y.test.ts', 'test/e2e/x.test.ts', 'test/integration/i.test.ts', 'test/unit/a.test.ts',
  ]);
});
