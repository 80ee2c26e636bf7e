import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { endpointsOf, servingEndpoints } from '../../activities/etcd/client.ts';
import { LABELS } from '../../k8s/api.ts';

const pod = (name: string, ip: string | undefined, ready: boolean, learner = false): V1Pod => ({
  metadata: { name, ...(learner && { labels: { [LABELS.learner]: 'true' } }) },
  status: { ...(ip && { podIP: ip }), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('servingEndpoints: the members etcd calls go to', () => {
  it('leaves out a member whose pod is not Ready (a joining learner accepts connections and answers nothing)', () => {
    const pods = [pod('a-0', '10.0.0.1', true), pod('a-1', '10.0.0.2', true), pod('a-3', '10.0.0.4', false)];
    assert.deepEqual(servingEndpoints(pods, endpointsOf(pods)), ['http://10.0.0.1:2379', 'http://10.0.0.2:2379']);
  });
  it('takes every endpoint when no pod is Ready (quorum lost, or readiness not probed yet)', () => {
    const pods = [pod('a-0', '10.0.0.1', false), pod('a-1', '10.0.0.2', false)];
    assert.deepEqual(servingEndpoints(pods, endpointsOf(pods, true)), ['https://10.0.0.1:2379', 'https://10.0.0.2:2379']);
  });
  it('leaves out a learner that serves: it refuses member lists, adds, promotions and linearizable reads', () => {
    const pods = [pod('a-0', '10.0.0.1', true), pod('a-1', '10.0.0.2', true), pod('a-2', '10.0.0.3', true), pod('a-3', '10.0.0.4', true, true)];
    assert.deepEqual(servingEndpoints(pods, endpointsOf(pods)), ['http://10.0.0.1:2379', 'http://10.0.0.2:2379', 'http://10.0.0.3:2379']);
  });
  it('skips a Ready pod without an address', () => {
    const pods = [pod('a-0', undefined, true), pod('a-1', '10.0.0.2', true)];
    assert.deepEqual(servingEndpoints(pods, endpointsOf(pods)), ['http://10.0.0.2:2379']);
  });
});
