// A helper pod's outcome is read from its containers as soon as they tell, not only from the phase
// the kubelet reports about a second later; the heartbeats of a stream through it are throttled.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { helperPodOutcome, throttledHeartbeat } from '../../activities/backups/helper-pods.ts';

const ended = (name: string, exitCode: number): V1ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } });
const running = (name: string): V1ContainerStatus => ({ name, image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } });
const waiting = (name: string): V1ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } });
const pod = (phase: string, init: V1ContainerStatus[], main: V1ContainerStatus[]): V1Pod => ({
  spec: { initContainers: [{ name: 'fetch' }, { name: 'restore' }], containers: [{ name: 'cleanup' }] },
  status: { phase, initContainerStatuses: init, containerStatuses: main },
});

describe('helperPodOutcome', () => {
  const cases: [string, V1Pod, ReturnType<typeof helperPodOutcome>][] = [
    ['no status yet', { spec: { containers: [{ name: 'c' }] } }, undefined],
    ['still receiving', pod('Pending', [running('fetch'), waiting('restore')], [waiting('cleanup')]), undefined],
    ['init containers done, the main one runs', pod('Running', [ended('fetch', 0), ended('restore', 0)], [running('cleanup')]), undefined],
    ['every container ended with 0 while the phase still says Pending', pod('Pending', [ended('fetch', 0), ended('restore', 0)], [ended('cleanup', 0)]), 'Succeeded'],
    ['the phase says Succeeded', pod('Succeeded', [ended('fetch', 0), ended('restore', 0)], [ended('cleanup', 0)]), 'Succeeded'],
    ['an init container failed before the phase says so', pod('Pending', [ended('fetch', 3), waiting('restore')], [waiting('cleanup')]), 'Failed'],
    ['the phase says Failed', pod('Failed', [], []), 'Failed'],
    ['statuses of fewer containers than the spec has (a status not written yet)', pod('Pending', [ended('fetch', 0), ended('restore', 0)], []), undefined],
  ];
  for (const [what, p, want] of cases) it(what, () => assert.equal(helperPodOutcome(p), want));
});

describe('throttledHeartbeat', () => {
  it('a stream of calls heartbeats once per second at most, with the latest details', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const calls: number = await env.run(async (): Promise<number> => {
      const beat = throttledHeartbeat();
      let n = 0;
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        beat({ readBytes: ++n });
        if (n % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
      return n;
    });
    assert.ok(calls > 10_000, `${calls} calls`);
    assert.equal(beats.length, 2, 'one at the first call, one a second later');
    assert.deepEqual(beats[0], { readBytes: 1 });
  });
});
