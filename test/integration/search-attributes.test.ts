// The operator's startup check of its search attributes, against the stack's real Temporal: a new
// namespace without them gets them registered once; the doctor's list agrees.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { ensureStack } from '../support/stack.ts';
import { connectClient, temporalTarget } from '../../client/temporal.ts';
import { createCommands, ensureSearchAttributes, missingSearchAttributes, REQUIRED_SEARCH_ATTRIBUTES } from '../../client/search-attributes.ts';
import { waitFor } from '../support/wait.ts';

describe('search attributes at startup', () => {
  let client: Client;
  const namespace = `sa-${Date.now().toString(36)}`;

  before(async () => {
    ensureStack();
    client = await connectClient(temporalTarget());
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    await waitFor(`namespace ${namespace} known`, async () => {
      try { await client.workflowService.describeNamespace({ namespace }); return true; } catch { return false; }
    }, { timeoutMs: 30_000, intervalMs: 250 });
  });
  after(async () => { await client.connection.close(); });

  it('a namespace without them gets all three registered, once', async () => {
    assert.deepEqual(await missingSearchAttributes(client, namespace), REQUIRED_SEARCH_ATTRIBUTES);
    assert.deepEqual(await ensureSearchAttributes(client, namespace), REQUIRED_SEARCH_ATTRIBUTES);
    assert.deepEqual(await missingSearchAttributes(client, namespace), []);
    assert.deepEqual(await ensureSearchAttributes(client, namespace), [], 'nothing to do the second time');
  });

  it('the stack namespace already has them (the dev server registers them at start)', async () => {
    assert.deepEqual(await missingSearchAttributes(client, 'default'), []);
  });

  it('the commands for an administrator name each missing attribute', () => {
    assert.equal(createCommands('prod', ['EtcdOperation']), 'temporal operator search-attribute create --namespace prod --name EtcdOperation --type Keyword');
  });
});
