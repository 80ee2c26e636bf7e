// Memory saver mode paused while snapshots stream through the operator: off with the first of
// overlapping transfers, back on after the last (failed ones included); other activities and a
// process that never turned the mode on leave the flags alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySaverSwitch, transferGcInterceptors } from '../../worker/transfer-gc.ts';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

function recorder(enabled = true) {
  const flags: string[] = [];
  return { flags, saver: memorySaverSwitch(() => enabled, (f) => flags.push(f)) };
}

/** Runs `work` as activity `type` through the interceptors, as the worker would. */
function run<T>(factories: ActivityInterceptorsFactory[], type: string, work: () => Promise<T>): Promise<T> {
  const inbound = factories[0]!({ info: { activityType: type } } as never).inbound!;
  return inbound.execute!({ args: [], headers: {} } as never, work as never) as Promise<T>;
}

const deferred = () => {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};

test('overlapping transfers switch memory saver mode off once and on again after the last', async () => {
  const { flags, saver } = recorder();
  const interceptors = transferGcInterceptors(saver);
  const first = deferred();
  const second = deferred();
  const a = run(interceptors, 'takeSnapshot', () => first.promise);
  const b = run(interceptors, 'restoreMemberVolume', () => second.promise);
  assert.deepEqual(flags, ['--no-memory-saver-mode']);
  assert.equal(saver.running(), 2);
  first.resolve();
  await a;
  assert.deepEqual(flags, ['--no-memory-saver-mode'], 'still off while the second runs');
  second.reject(new Error('pod replaced'));
  await assert.rejects(b, /pod replaced/);
  assert.deepEqual(flags, ['--no-memory-saver-mode', '--memory-saver-mode'], 'back on after a failed last transfer');
  assert.equal(saver.running(), 0);
});

test('activities that move no snapshot leave the mode alone', async () => {
  const { flags, saver } = recorder();
  assert.equal(await run(transferGcInterceptors(saver), 'reportBackup', async () => 'ok'), 'ok');
  assert.deepEqual(flags, []);
});

test('a process that never turned memory saver mode on is never switched', async () => {
  const { flags, saver } = recorder(false);
  await run(transferGcInterceptors(saver), 'takeSnapshot', async () => undefined);
  assert.deepEqual(flags, []);
});

test('a release called twice counts once', () => {
  const { flags, saver } = recorder();
  const one = saver.pause();
  const two = saver.pause();
  one();
  one();
  assert.deepEqual(flags, ['--no-memory-saver-mode'], 'the second transfer still runs');
  two();
  assert.deepEqual(flags, ['--no-memory-saver-mode', '--memory-saver-mode']);
});

