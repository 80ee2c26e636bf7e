// Reading where members are: a node's readiness and how long it has been NotReady, and the one node
// a local volume is pinned to (none for a volume that may move, e.g. one pinned to a zone).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node, V1PersistentVolume } from '@kubernetes/client-node';
import { observeNode, pinnedNode } from '../../activities/kube/placement.ts';

const now = new Date('2026-12-02T10:00:00Z');
const nodeWith = (status: string | undefined, since = '2026-12-02T09:59:15Z', unschedulable?: boolean): V1Node => ({
  metadata: { name: 'n1' },
  ...(unschedulable !== undefined && { spec: { unschedulable } }),
  status: { conditions: status === undefined ? [] : [{ type: 'Ready', status, lastTransitionTime: new Date(since) }] },
});
const pvWith = (terms: { key: string; operator: string; values?: string[] }[][]): V1PersistentVolume => ({
  spec: { nodeAffinity: { required: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } } },
});

describe('observeNode', () => {
  it('a Ready node has no NotReady time', () => assert.deepEqual(observeNode(nodeWith('True'), now), { name: 'n1', ready: true, unschedulable: false }));
  it('Unknown (lease expired) counts from the transition time', () => assert.deepEqual(observeNode(nodeWith('Unknown'), now), { name: 'n1', ready: false, notReadySeconds: 45, unschedulable: false }));
  it('False counts the same', () => assert.equal(observeNode(nodeWith('False'), now).notReadySeconds, 45));
  it('no Ready condition yet: NotReady for 0 s (a node still registering is not lost)', () => assert.equal(observeNode(nodeWith(undefined), now).notReadySeconds, 0));
  it('a transition time in the future (clock skew) is 0 s, never negative', () => assert.equal(observeNode(nodeWith('Unknown', '2026-12-02T10:05:00Z'), now).notReadySeconds, 0));
  it('a cordoned node is unschedulable', () => assert.equal(observeNode(nodeWith('True', undefined, true), now).unschedulable, true));
});

describe('pinnedNode', () => {
  it('a local-path volume is pinned to its one hostname', () => assert.equal(pinnedNode(pvWith([[{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }]])), 'n2'));
  it('a volume pinned to a zone can follow its pod to another node: not pinned', () => assert.equal(pinnedNode(pvWith([[{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1'] }]])), undefined));
  it('several hostnames or several terms: not pinned to one node', () => {
    assert.equal(pinnedNode(pvWith([[{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1', 'n2'] }]])), undefined);
    assert.equal(pinnedNode(pvWith([[{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }], [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n2'] }]])), undefined);
  });
  it('a network volume without node affinity: not pinned', () => assert.equal(pinnedNode({ spec: {} }), undefined));
});
