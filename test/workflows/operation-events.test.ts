// The bookkeeping around an operation does not hold it up (real dev server, fake world): the
// operation's Started Event is written while its child workflow starts, a step's status and Event
// are written at once, and so are the outcome's. Told by the histories: commands of one workflow
// task carry the same workflowTaskCompletedEventId.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { membersChangedSignal } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, type HistoryEvent } from './cluster-driver.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('operation-events'); });
after(async () => { await h?.close(); });

const { created, idleAt } = clusterDriver(() => h);

/** Each scheduled activity (and started child) with the workflow task that issued it and the text of its input. */
function commands(events: HistoryEvent[]) {
  return events.flatMap((e) => {
    const a = e.activityTaskScheduledEventAttributes;
    if (a) return [{ name: a.activityType?.name ?? '', task: String(a.workflowTaskCompletedEventId), input: (a.input?.payloads ?? []).map((p) => Buffer.from(p.data ?? []).toString()).join() }];
    const c = e.startChildWorkflowExecutionInitiatedEventAttributes;
    if (c) return [{ name: `child ${c.workflowId}`, task: String(c.workflowTaskCompletedEventId), input: '' }];
    return [];
  });
}

describe('an operation\'s Events are written beside its work', () => {
  it('failover: the Started Event beside the child\'s start, each step\'s Event beside its status, the outcome\'s Event beside its status', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.killPod('demo-1');
    await handle.signal(membersChangedSignal);
    await waitFor('restart-member outcome', () => c.outcomes.find((o) => o.type === 'RestartMember'));
    await idleAt(handle, 1);

    const restart = opId(c, 'RestartMember', 2);
    const loop = commands((await handle.fetchHistory()).events ?? []);
    const child = loop.find((x) => x.name === `child ${restart}`)!;
    const startedEvent = loop.find((x) => x.name === 'recordEvent' && x.input.includes('RestartMemberStarted'))!;
    assert.ok(child && startedEvent, JSON.stringify(loop.map((x) => x.name)));
    assert.equal(startedEvent.task, child.task, 'the Started Event and the operation start in one workflow task');
    const outcome = loop.find((x) => x.name === 'reportOutcome' && x.input.includes(restart))!;
    const succeeded = loop.find((x) => x.name === 'recordEvent' && x.input.includes('RestartMemberSucceeded'))!;
    assert.equal(succeeded.task, outcome.task, 'the outcome\'s status and Event in one workflow task');

    const steps = commands((await h.client.workflow.getHandle(restart).fetchHistory()).events ?? []);
    for (const reason of ['MemberRestarting', 'MemberRestarted']) {
      const event = steps.find((x) => x.name === 'recordEvent' && x.input.includes(reason))!;
      assert.ok(event, `${reason} recorded`);
      assert.ok(steps.some((x) => x.name === 'reportStep' && x.task === event.task), `${reason}: the step's status and Event in one workflow task`);
    }
    // Written at once, still in their order: the Started Event exists before the Succeeded one.
    const reasons = [...c.events.values()].map((e) => e.reason);
    assert.ok(reasons.indexOf('RestartMemberStarted') < reasons.indexOf('RestartMemberSucceeded'), reasons.join());
  });
});
