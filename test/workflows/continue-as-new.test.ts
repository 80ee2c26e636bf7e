// Continue-as-new during each kind of wait (a held failure, a cancelled operation, awaiting
// approval) carries the wait into the next run, where a retry or an approval acts as before; a
// cancelled operation holds without a timer. Its own Temporal dev server (in memory) with a low
// continue-as-new threshold.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/common';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { approveRecoverySignal, membersChangedSignal, retrySignal, specChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { ensureStack, toolDir } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome, type ClusterHandle } from './cluster-driver.ts';
import { FakeWorld, createFakeActivities, type FakeCluster } from './fake-activities.ts';
import { workflowsPath, type Harness } from './harness.ts';

/** History length past which the server suggests continue-as-new (default 4 Ki events). */
const THRESHOLD = 150;

let server: ChildProcess;
let client: Client;
let connection: Connection;
let native: NativeConnection;
let bundle: WorkflowBundleWithSourceMap;
let worker: { stop(): Promise<void> } | undefined;
const world = new FakeWorld();
const taskQueue = `wf-can-${process.pid}`;
const handles: ClusterHandle[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); }).on('error', reject);
  });
}

async function startWorker(): Promise<void> {
  const w = await Worker.create({ connection: native, taskQueue, workflowBundle: bundle, activities: createFakeActivities(world) });
  const running = w.run();
  worker = { async stop() { w.shutdown(); await running; } };
}

before(async () => {
  ensureStack(); // builds the Temporal CLI if the cache is cold
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const port = await freePort();
  const attrs = ['EtcdClusterNamespace=Keyword', 'EtcdClusterName=Keyword', 'EtcdOperation=Keyword'].flatMap((a) => ['--search-attribute', a]);
  server = spawn(`${toolDir('temporal')}/temporal`, [
    'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'error',
    '--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${THRESHOLD}`, ...attrs,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = `127.0.0.1:${port}`;
  connection = await waitFor('own dev server', async () => { try { return await Connection.connect({ address }); } catch { return undefined; } }, { timeoutMs: 60_000 });
  client = new Client({ connection });
  native = await NativeConnection.connect({ address });
  bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('ERROR') });
  await startWorker();
});

after(async () => {
  for (const h of handles) await h.terminate('test teardown').catch(() => undefined);
  await worker?.stop();
  await native?.close();
  await connection?.close();
  server?.kill('SIGTERM');
});

const harness = (): Harness => ({ world, client, taskQueue, track: (h) => { handles.push(h as ClusterHandle); return h; }, close: async () => undefined });
const { created } = clusterDriver(harness);

/**
 * Grows the history past the threshold while the workflow waits (the worker is stopped, so the
 * no-op signals land in one workflow task), and returns once the workflow continued as new.
 */
async function continueAsNewWhileWaiting(handle: ClusterHandle): Promise<string> {
  const { runId } = await handle.describe();
  await worker!.stop();
  const { historyLength } = await handle.describe();
  for (let i = historyLength; i <= THRESHOLD + 10; i++) await handle.signal(specChangedSignal, { generation: 1 });
  await startWorker();
  const next = await waitFor('continued as new', async () => { const d = await client.workflow.getHandle(handle.workflowId).describe(); return d.runId !== runId ? d.runId : undefined; }, { timeoutMs: 60_000 });
  await recordContinued(handle.workflowId, runId);
  return next;
}

/**
 * With RECORD_HISTORIES_DIR set (recording a release's histories, docs/design.md), the first run
 * that continued as new is kept as a release's replay history of the cluster loop.
 */
async function recordContinued(workflowId: string, runId: string): Promise<void> {
  const dir = process.env.RECORD_HISTORIES_DIR;
  if (!dir || existsSync(join(dir, 'cluster-loop-continued.json'))) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cluster-loop-continued.json'), `${historyToJSON(await client.workflow.getHandle(workflowId, runId).fetchHistory())}\n`);
}

/** A member restart that fails once (its pod cannot be made), held back 30s. */
async function heldRestart(c: FakeCluster, handle: ClusterHandle): Promise<void> {
  c.failBefore('applyMember', () => ApplicationFailure.nonRetryable('pod cannot be made', 'Boom'), 1);
  c.killPod('demo-1');
  await handle.signal(membersChangedSignal);
  assert.equal((await outcome(c, opId(c, 'RestartMember', 2))).result, 'Failed');
  await waitFor('held', async () => (await handle.query(stateQuery)).failedOp, { timeoutMs: 10_000 });
}

describe('continue-as-new during a wait loses nothing', () => {
  it('a failure held back stays held across continue-as-new; a retry in the next run runs it at once', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.failBefore('applyMember', () => ApplicationFailure.nonRetryable('pod cannot be made', 'Boom'), 1);
    await heldRestart(c, handle);
    // Failed twice: held back for a minute.
    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'RestartMember', 3))).result, 'Failed');
    await continueAsNewWhileWaiting(handle);
    const s = await handle.query(stateQuery);
    assert.equal(s.failedOp?.key, 'RestartMember::demo-1', 'the hold is carried into the new run');
    assert.equal(c.outcomes.filter((o) => o.type === 'RestartMember').length, 2, 'nothing ran on its own');
    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'RestartMember', 4), 15_000)).result, 'Succeeded');
  });

  it('a cancelled operation holds without a timer, stays held across continue-as-new, and a retry in the next run resumes it', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.learnerCatchUpPolls = 1000;
    c.size = 4; c.generation = 2;
    await handle.signal(specChangedSignal, { generation: 2 });
    await waitFor('scale running', () => c.writes.includes('etcd add learner demo-3'));
    await client.workflow.getHandle(opId(c, 'Scale', 2)).cancel();
    assert.equal((await outcome(c, opId(c, 'Scale', 2))).result, 'Cancelled');
    await waitFor('held', async () => (await handle.query(stateQuery)).failedOp?.forever, { timeoutMs: 10_000 });
    const timers = ((await handle.fetchHistory()).events ?? []).flatMap((e) => e.timerStartedEventAttributes ? [Number(e.timerStartedEventAttributes.startToFireTimeout?.seconds ?? 0)] : []);
    assert.ok(timers.every((s) => s <= 3600), `no timer longer than an hour: ${timers.join(', ')}`);
    c.learnerCatchUpPolls = 0;
    c.members.get('demo-3')!.catchUpPolls = 0;
    await continueAsNewWhileWaiting(handle);
    assert.equal((await handle.query(stateQuery)).failedOp?.forever, true, 'still held in the new run');
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(c.outcomes.filter((o) => o.type === 'Scale').length, 1, 'nothing ran on its own');
    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'Scale', 3), 20_000)).result, 'Succeeded');
  });

  it('awaiting approval survives continue-as-new; the approval in the next run recovers', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.latestBackup = { location: 's3://etcd-backups/ns/demo/b1.db', sha256: 'a'.repeat(64), backupName: 'b1', revision: 7, etcdVersion: '3.6.16', sizeBytes: 10 };
    c.loseData('demo-1').loseData('demo-2');
    await handle.signal(membersChangedSignal);
    await waitFor('awaiting approval', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    await continueAsNewWhileWaiting(handle);
    await waitFor('still awaiting approval in the new run', async () => (await handle.query(stateQuery)).awaitingApproval, { timeoutMs: 20_000 });
    assert.equal(c.outcomes.filter((o) => o.type === 'Recover').length, 0);
    await handle.signal(approveRecoverySignal);
    assert.equal((await outcome(c, opId(c, 'Recover', 2), 30_000)).result, 'Succeeded');
  });
});
