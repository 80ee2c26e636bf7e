import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { REPORT_AFTER_MS, unschedulableLongEnough, unschedulableMessage } from '../../activities/kube/unschedulable.ts';

const pod = (over: { nodeName?: string; conditions?: NonNullable<V1Pod['status']>['conditions'] }): V1Pod =>
  ({ metadata: { name: 'db-1' }, spec: { containers: [], ...(over.nodeName && { nodeName: over.nodeName }) }, status: { conditions: over.conditions } });
const SCHEDULER = '0/3 nodes are available: 3 node(s) didn\'t match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';

describe('unschedulableMessage: a member pod no node takes', () => {
  const cases: { name: string; pod: V1Pod; want: string | undefined }[] = [
    { name: 'the scheduler\'s reason, named after the member', pod: pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: SCHEDULER }] }), want: `member db-1 cannot be scheduled: ${SCHEDULER}` },
    { name: 'no message: still said', pod: pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), want: 'member db-1 cannot be scheduled: no node fits it' },
    { name: 'not tried yet (no condition)', pod: pod({}), want: undefined },
    { name: 'scheduled', pod: pod({ conditions: [{ type: 'PodScheduled', status: 'True' }] }), want: undefined },
    { name: 'bound to a node although the condition is stale', pod: pod({ nodeName: 'n1', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: SCHEDULER }] }), want: undefined },
    { name: 'another reason (a gated pod waits on purpose)', pod: pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), want: undefined },
  ];
  for (const c of cases) it(c.name, () => assert.equal(unschedulableMessage(c.pod), c.want));
});

describe('unschedulableLongEnough: a pod unschedulable in passing is not reported', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const since = (ms: number) => pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', lastTransitionTime: new Date(now.getTime() - ms) }] });
  it('not yet, a moment after the scheduler said so', () => assert.equal(unschedulableLongEnough(since(REPORT_AFTER_MS - 1000), now), false));
  it('yes, once it has said so for the whole delay', () => assert.equal(unschedulableLongEnough(since(REPORT_AFTER_MS), now), true));
  it('yes, when the condition carries no time', () => assert.equal(unschedulableLongEnough(pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), now), true));
});
