// What a person sees in the Temporal UI: a cluster's workflows found by the prefix of their IDs
// (etcd/<namespace>/<cluster>/), each operation with a one-line summary saying what it does, each
// activity with what it acts on, and the step an operation is at as its current details. Checked
// through the Temporal API and in headless Chromium (Debian's package) against the running UI; the
// screenshots are kept under test-results/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import type { Client } from '@temporalio/client';
import { connectClient, temporalTarget } from '../../client/temporal.ts';
import { clusterWorkflowId } from '../../domain/ids.ts';
import { kubectl } from '../support/kube.ts';
import { clusterYaml, waitConverged } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';
import { launchBrowser, pageText } from '../support/browser.ts';

const NAME = 'ui';
const UI = `http://127.0.0.1:${process.env.STACK_TEMPORAL_UI_PORT ?? '8233'}`;
const TEMPORAL_NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';
const artifacts = join(repoRoot, 'test-results');

describe('the Temporal UI reads as what the operator does', () => {
  const ctx = useOperatorNamespace('e2e-ui');
  let client: Client;
  let browser: Browser | undefined;
  let loopId = '';
  let scaleId = '';

  before(async () => {
    client = await connectClient(temporalTarget());
    mkdirSync(artifacts, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await client?.connection.close();
  });

  it('a cluster\'s workflows are named etcd/<namespace>/<cluster>/<uid>/...; operations carry a summary, activities what they act on, and the last step as current details', { timeout: 360_000 }, async () => {
    kubectl(['apply', '-n', ctx.ns, '-f', '-'], clusterYaml(NAME, { size: 1, storage: { size: '64Mi' } }));
    const c = await waitConverged(ctx.ns, NAME, 1, 180_000);
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ctx.ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size: 2 } })]);
    await waitConverged(ctx.ns, NAME, 2, 240_000);

    loopId = clusterWorkflowId({ namespace: ctx.ns, name: NAME, uid: c.metadata.uid! });
    const ids: string[] = [];
    for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH 'etcd/${ctx.ns}/${NAME}/'` })) ids.push(w.workflowId);
    assert.ok(ids.includes(loopId), `the reconcile loop is listed under its readable ID: ${ids.join(', ')}`);
    assert.ok(ids.includes(`${loopId}/create-1`), `Create is listed under the loop: ${ids.join(', ')}`);
    scaleId = ids.find((id) => /\/scale-\d+$/.test(id)) ?? assert.fail(`no Scale operation among ${ids.join(', ')}`);

    const loop = await client.workflow.getHandle(loopId).describe();
    assert.equal(await loop.staticSummary(), `etcd cluster ${ctx.ns}/${NAME}: the reconcile loop`);
    const scale = client.workflow.getHandle(scaleId);
    assert.equal(await (await scale.describe()).staticSummary(), `Scale ${ctx.ns}/${NAME}: scaling 1 -> 2: adding ${NAME}-1`);

    const history = await scale.fetchHistory();
    const summaries = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => JSON.parse(Buffer.from(e.userMetadata?.summary?.data ?? []).toString('utf8') || '""') as string);
    assert.ok(summaries.length > 0 && summaries.every((s) => s.endsWith(`· ${ctx.ns}/${NAME}`)), `every activity names its cluster: ${summaries.join(' | ')}`);
    assert.ok(summaries.includes(`${NAME}-1 · ${ctx.ns}/${NAME}`), `the member is named: ${summaries.join(' | ')}`);

    // A closed workflow still answers queries (replayed by a worker): its last step is its current details.
    const meta = await scale.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.match(meta.currentDetails ?? '', new RegExp(`^\\*\\*Scale\\*\\* ${ctx.ns}/${NAME}: `));
  });

  it('in Chromium: the list filtered by the cluster\'s prefix shows its operations, and an operation\'s page shows its summary', { timeout: 180_000 }, async () => {
    assert.ok(scaleId, 'the first test found the Scale operation');
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1000 });

    const query = `WorkflowId STARTS_WITH "etcd/${ctx.ns}/${NAME}/"`;
    await page.goto(`${UI}/namespaces/${TEMPORAL_NAMESPACE}/workflows?query=${encodeURIComponent(query)}`, { waitUntil: 'networkidle2' });
    const list = await pageText(page, [scaleId, `${loopId}/create-1`], 60_000, 3, join(artifacts, 'temporal-ui-list-failed.png'));
    await page.screenshot({ path: join(artifacts, 'temporal-ui-list.png') });
    assert.ok(list.includes(scaleId) && list.includes(`${loopId}/create-1`), 'both operations are rows of the list');

    // As a person would: the operation's row is a link to its page (navigation inside the app, which
    // CI twice saw stay blank for a minute when the page was loaded on its own). If the link is not
    // found, the page is loaded by its address.
    const run = (await client.workflow.getHandle(scaleId).describe()).runId;
    const clicked = await page.evaluate((id) => {
      const link = [...document.querySelectorAll('a')].find((a) => a.textContent?.trim() === id);
      link?.click();
      return link !== undefined;
    }, scaleId);
    if (!clicked) {
      console.log(`no link named ${scaleId} in the list; loading the operation's page by its address`);
      await page.goto(`${UI}/namespaces/${TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(scaleId)}/${run}/history`, { waitUntil: 'networkidle2' });
    }
    const summary = `Scale ${ctx.ns}/${NAME}: scaling 1 -> 2`;
    const details = await pageText(page, [summary], 60_000, 3, join(artifacts, 'temporal-ui-operation-failed.png'));
    await page.screenshot({ path: join(artifacts, 'temporal-ui-operation.png'), fullPage: true });
    assert.ok(details.includes(summary), 'the operation\'s page shows its summary');
  });
});
