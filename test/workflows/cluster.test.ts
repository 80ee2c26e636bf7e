// etcdClusterWorkflow on the real dev server with fake activities: driven like the watcher and
// the CLI drive it (signal-with-start, signals, the state query), running Create and Delete as
// child workflows with deterministic IDs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { clusterWorkflowId } from '../../domain/ids.ts';
import { deleteRequestedSignal, membersChangedSignal, retrySignal, retryUpdate, specChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { EtcdClusterName, EtcdOperation } from '../../domain/search-attributes.ts';
import { waitFor, within } from '../support/wait.ts';
import { TIMEOUT, activityScheduled, childStarted, clusterDriver, opId, outcome } from './cluster-driver.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('cluster'); });
after(async () => { await h?.close(); });

const { specChanged, idleAt, afterSignalHandled, childExists, created } = clusterDriver(() => h);

describe('etcdClusterWorkflow', () => {
  it('specChanged at generation 1 ensures the finalizer first, then runs Create as child create-1 and reports Succeeded', TIMEOUT, async () => {
    const { c, handle } = await created();
    const createId = opId(c, 'Create', 1);
    assert.equal(c.calls[0]?.activity, 'ensureFinalizer');
    assert.equal(c.writes[0], 'add finalizer', 'nothing is created before the finalizer');
    assert.deepEqual(c.outcomes, [{ type: 'Create', workflowId: createId, result: 'Succeeded', message: 'Create finished', generation: 1 }]);
    assert.equal(c.status.observedGeneration, 1);
    assert.equal(c.events.get(`demo.create-1-ok`)?.reason, 'CreateSucceeded');
    // The Create child did the work, under its business-key ID and search attributes.
    assert.deepEqual([...c.pods.keys()].sort(), ['demo-0', 'demo-1', 'demo-2']);
    assert.ok(c.callsOf('applyMember').every((x) => x.workflowId === createId));
    const child = await h.client.workflow.getHandle(createId).describe();
    assert.equal(child.status.name, 'COMPLETED');
    assert.equal(child.typedSearchAttributes.get(EtcdOperation), 'Create');
    assert.equal(child.typedSearchAttributes.get(EtcdClusterName), 'demo');
    const st = await handle.query(stateQuery);
    assert.deepEqual([st.created, st.seenGeneration, st.doneGeneration, st.deleteRequested, st.operations], [true, 1, 1, false, 1]);
    assert.equal(c.bootstrapped, true, 'the cluster is marked bootstrapped once Create succeeded');
  });

  it('a repeated specChanged for a generation already done starts no second Create', TIMEOUT, async () => {
    const { c, handle } = await created();
    await specChanged(c, 1);
    const after = await afterSignalHandled(handle, specChangedSignal.name, 2);
    assert.deepEqual(after.map(childStarted).filter(Boolean), []);
    assert.deepEqual(after.map(activityScheduled).filter(Boolean), []);
    assert.equal((await handle.query(stateQuery)).operations, 1);
    assert.equal(await childExists(opId(c, 'Create', 2)), false);
    assert.equal(c.callsOf('applyServices').length, 1);
  });

  it('deleteRequested after Create runs Delete as child delete-2, removes the finalizer last, and the workflow completes', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.deleting = true; // kubectl delete: deletionTimestamp set, the finalizer holds the object
    await handle.signal(deleteRequestedSignal);
    await within(45_000, 'cluster workflow', handle.result());
    const deleteId = opId(c, 'Delete', 2);
    assert.deepEqual(c.outcomes.map((o) => [o.type, o.workflowId, o.result]), [
      ['Create', opId(c, 'Create', 1), 'Succeeded'],
      ['Delete', deleteId, 'Succeeded'],
    ]);
    assert.ok(c.callsOf('removeFinalizer').every((x) => x.workflowId === deleteId));
    assert.deepEqual(c.writes.filter((w) => !w.startsWith('status ') && !w.startsWith('create Event/')).slice(-2), ['remove finalizer', 'delete EtcdCluster']);
    assert.equal(c.exists, false);
    assert.deepEqual([...c.pods.keys()], []);
    assert.deepEqual([...c.objects], []);
  });

  it('membersChanged between operations observes again and reports the members etcd has, starting nothing when nothing is wrong', TIMEOUT, async () => {
    const { c, handle } = await created();
    const before = c.callsOf('observeCluster').length;
    await handle.signal(membersChangedSignal);
    await waitFor('observed again', () => c.callsOf('observeCluster').length > before);
    await waitFor('members reported', () => c.status.members?.length === 3);
    assert.deepEqual(c.status.members?.map((m) => m.name), ['demo-0', 'demo-1', 'demo-2']);
    assert.ok(c.callsOf('observeCluster').every((x) => x.workflowId === clusterWorkflowId(c.key)));
    assert.equal((await handle.query(stateQuery)).operations, 1);
  });

  it('a paused spec starts no Create: the generation is acknowledged with a Paused event', TIMEOUT, async () => {
    const c = h.world.add({ size: 3, paused: true });
    const handle = await specChanged(c, 1);
    await waitFor('Paused event', () => c.events.get('demo.paused-1'));
    await idleAt(handle, 1);
    const s = await handle.query(stateQuery);
    assert.deepEqual([s.created, s.operations], [false, 0]);
    assert.equal(await childExists(opId(c, 'Create', 1)), false);
    assert.deepEqual(c.calls.filter((x) => x.workflowId !== clusterWorkflowId(c.key)), [], 'no operation workflow ran an activity');
    assert.deepEqual(c.pods.size, 0);
  });

  it('a Create failing with a non-retryable error reports Failed; the retry signal runs create-2, which succeeds', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    const spec = 'invalid spec: spec.version: etcd 3.4 is not supported; supported minor versions: 3.5, 3.6';
    c.failBefore('applyServices', () => ApplicationFailure.nonRetryable(spec, 'InvalidSpec'));
    const handle = await specChanged(c, 1);

    const failed = await outcome(c, opId(c, 'Create', 1));
    assert.deepEqual(failed, { type: 'Create', workflowId: opId(c, 'Create', 1), result: 'Failed', message: spec, failureType: 'InvalidSpec' });
    const warning = await waitFor('CreateFailed event', () => c.events.get('demo.create-1-failed'));
    assert.deepEqual([warning.type, warning.reason], ['Warning', 'CreateFailed']);
    assert.match(warning.message, /etcdop ops retry demo -n default/);
    assert.equal((await handle.query(stateQuery)).lastError, spec);

    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'Create', 2))).result, 'Succeeded');
    await idleAt(handle, 1);
    const s = await handle.query(stateQuery);
    assert.deepEqual([s.created, s.operations, s.lastError], [true, 2, undefined]);
    // create-2 started because of the retry signal, not on its own.
    const events = (await handle.fetchHistory()).events ?? [];
    const retryAt = events.findIndex((e) => e.workflowExecutionSignaledEventAttributes?.signalName === retrySignal.name);
    const create2At = events.findIndex((e) => childStarted(e) === opId(c, 'Create', 2));
    assert.ok(retryAt >= 0 && retryAt < create2At, 'create-2 follows the retry signal');
    for (const m of ['demo-0', 'demo-1', 'demo-2']) assert.equal(c.count(`create Pod/${m}`), 1);
  });

  it('the retry update is rejected while nothing has failed, and after a failed Create answers with the failure and runs create-2', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    c.failBefore('applyServices', () => ApplicationFailure.nonRetryable('boom: services', 'Boom'));
    const handle = await specChanged(c, 1);
    await outcome(c, opId(c, 'Create', 1));
    const { retrying } = await handle.executeUpdate(retryUpdate);
    assert.equal(retrying, 'boom: services');
    assert.equal((await outcome(c, opId(c, 'Create', 2))).result, 'Succeeded');
    await idleAt(handle, 1);
    await assert.rejects(handle.executeUpdate(retryUpdate), (err: Error) => /nothing to retry: the last operation did not fail/.test(String((err.cause as Error | undefined)?.message)));
    // A rejected update leaves no trace in history; the accepted one does.
    const updates = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    assert.equal(updates.length, 1);
  });

  it('a Create that failed after making its pods (an image that cannot be pulled) runs again on the fixed spec instead of adopting them', TIMEOUT, async () => {
    const c = h.world.add({ size: 1, version: '3.6.99' });
    const why = 'member demo-0 cannot start: image etcd:v3.6.99 cannot be pulled (ImagePullBackOff); fix spec.version or spec.repository';
    c.failBefore('checkClusterReady', () => ApplicationFailure.nonRetryable(why, 'ImagePull'));
    const handle = await specChanged(c, 1);
    assert.equal((await outcome(c, opId(c, 'Create', 1))).result, 'Failed');
    assert.deepEqual([...c.pods.keys()], ['demo-0'], 'the failed Create left its pod behind');
    c.members.get('demo-0')!.started = false; // its image never pulled: etcd never ran
    c.version = '3.6.16';
    c.generation = 2; // the user fixes spec.version: the pod's template is outdated
    await specChanged(c, 2);
    assert.equal((await outcome(c, opId(c, 'Create', 2))).result, 'Succeeded');
    await idleAt(handle, 2);
    const s = await handle.query(stateQuery);
    assert.deepEqual([s.created, s.operations, s.lastError], [true, 2, undefined]);
    assert.equal(c.bootstrapped, true);
    assert.equal(c.count('delete Pod/demo-0'), 1, 'the never-started pod was made again from the fixed spec');
  });

  it('an invalid spec starts no Create; the next generation with a valid spec runs it', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    const spec = 'invalid spec: spec.size: must be an integer from 1 to 9';
    c.invalidSpec = spec;
    const handle = await specChanged(c, 1);
    await waitFor('spec error recorded', async () => (await handle.query(stateQuery)).lastError === spec);
    assert.equal((await handle.query(stateQuery)).operations, 0);
    assert.equal(await childExists(opId(c, 'Create', 1)), false);

    c.invalidSpec = undefined; // the user fixes the spec: a new generation
    c.generation = 2;
    await specChanged(c, 2);
    assert.deepEqual(await outcome(c, opId(c, 'Create', 1)), { type: 'Create', workflowId: opId(c, 'Create', 1), result: 'Succeeded', message: 'Create finished', generation: 2 });
    await idleAt(handle, 2);
  });
});
