// Data safety in the cluster and user workflows, on the real dev server with the fake world: an
// object under a derived name that someone else made is a NameConflict (its own Degraded reason and
// Warning Event, or the EtcdUser's Ready=False reason), never touched, and once the user removes it
// the operation goes through; a change of spec.storage.retainOnDelete reaches every existing member
// volume's owner reference at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userWorkflowId } from '../../domain/ids.ts';
import { retrySignal, stateQuery, userChangedSignal } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome } from './cluster-driver.ts';
import type { FakeCluster, FakeUser } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('data-safety'); });
after(async () => { await h?.close(); });

const { specChanged, idleAt, created } = clusterDriver(() => h);
const eventsOf = (c: FakeCluster, reason: string) => [...c.events.values()].filter((e) => e.reason === reason).map((e) => e.message);

describe('objects under derived names that belong to someone else', () => {
  it('a namesake client Service: Create fails with NameConflict (Degraded reason and one Warning Event naming it), nothing starts; once it is removed a retry creates the cluster', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    c.namesakes.add('Service/demo-client');
    const handle = await specChanged(c, 1);

    const failed = await outcome(c, opId(c, 'Create', 1));
    assert.deepEqual([failed.result, failed.failureType], ['Failed', 'NameConflict']);
    assert.match(failed.message, /^Service default\/demo-client already exists and belongs to someone else/);
    const warning = await waitFor('the NameConflict Event', () => c.events.get('demo.create-1-failed'));
    assert.deepEqual([warning.type, warning.reason], ['Warning', 'NameConflict']);
    assert.match(warning.message, /Service default\/demo-client .*etcdop ops retry demo -n default/);
    assert.deepEqual(eventsOf(c, 'CreateFailed'), [], 'the failure is told once, as NameConflict');
    assert.equal(c.callsOf('applyMember').length, 0, 'no member starts');
    assert.ok(c.namesakes.has('Service/demo-client'));

    c.namesakes.delete('Service/demo-client'); // the user deletes their Service
    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'Create', 2))).result, 'Succeeded');
    await idleAt(handle, 1);
    assert.equal(c.count('create Service/demo-client'), 1);
  });

  it('an operation held back after a NameConflict (the root Secret\'s name taken) keeps Degraded NameConflict at each observation; removed, the retry turns auth on', TIMEOUT, async () => {
    const { c, handle } = await created({ size: 1 });
    c.namesakes.add('Secret/demo-root');
    c.authDesired = true;
    c.generation = 2;
    await specChanged(c, 2);
    const failed = await outcome(c, opId(c, 'ConfigureAuth', 2));
    assert.deepEqual([failed.result, failed.failureType], ['Failed', 'NameConflict']);
    await waitFor('one NameConflict Event', () => eventsOf(c, 'NameConflict').length === 1);
    // The loop observes again while the operation is held: Degraded stays NameConflict, naming the Secret.
    await waitFor('observed while held', () => c.degradedByType === 'NameConflict' && c.degradedBy);
    assert.match(c.degradedBy!, /Secret default\/demo-root .*etcdop ops retry/);
    assert.equal(c.authOn, false);

    c.namesakes.delete('Secret/demo-root');
    await handle.signal(retrySignal);
    assert.equal((await outcome(c, opId(c, 'ConfigureAuth', 3))).result, 'Succeeded');
    await idleAt(handle, 2);
    assert.equal(c.authOn, true);
    assert.equal(c.degradedBy, undefined);
  });

  it('an EtcdUser whose password Secret name is taken: Ready=False NameConflict with one Warning Event; removed, the user is applied', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    const u: FakeUser = h.world.addUser(c);
    c.namesakes.add('Secret/app-password');
    const handle = h.track(await h.client.workflow.start('etcdUserWorkflow', { taskQueue: h.taskQueue, workflowId: userWorkflowId(u.key, 'c'), args: [{ user: u.key }] }));
    await waitFor('Ready=False NameConflict', () => u.status?.ready === false && u.status.reason === 'NameConflict');
    assert.match(u.status!.message, /Secret default\/app-password already exists/);
    await handle.signal(userChangedSignal);
    await waitFor('looked at again', () => c.callsOf('ensureUserPassword').length >= 2);
    assert.equal([...c.events.entries()].filter(([k, e]) => k.startsWith('user-') && e.reason === 'NameConflict').length, 1);
    assert.equal(c.callsOf('applyUserInEtcd').length, 0);

    c.namesakes.delete('Secret/app-password');
    await handle.signal(userChangedSignal);
    await waitFor('Ready', () => u.status?.ready === true);
    assert.equal(c.count('create Secret/app-password'), 1);
  });
});

describe('member volumes follow spec.storage.retainOnDelete', () => {
  it('retainOnDelete true on a running cluster releases every member volume at once (one write each, a crash retried), false owns them again; no operation runs', TIMEOUT, async () => {
    const { c, handle } = await created({ size: 3 });
    const volumes = [...c.pvcs.keys()].sort();
    assert.deepEqual(volumes, ['data-demo-0', 'data-demo-1', 'data-demo-2']);
    assert.ok([...c.pvcs.values()].every((v) => v.owned));

    c.crashAfter('syncVolumeOwners'); // the effect happens, the reply is lost: the retry finds nothing to do
    c.retainOnDelete = true;
    c.generation = 2;
    await specChanged(c, 2);
    await idleAt(handle, 2);
    assert.ok([...c.pvcs.values()].every((v) => !v.owned));
    for (const v of volumes) assert.equal(c.count(`release PersistentVolumeClaim/${v}`), 1);

    c.retainOnDelete = false;
    c.generation = 3;
    await specChanged(c, 3);
    await idleAt(handle, 3);
    assert.ok([...c.pvcs.values()].every((v) => v.owned));
    for (const v of volumes) assert.equal(c.count(`own PersistentVolumeClaim/${v}`), 1);
    assert.match(eventsOf(c, 'VolumeOwnersChanged').at(-1) ?? '', /deleted with the cluster \(retainOnDelete false\), owned by it again: data-demo-0, data-demo-1, data-demo-2/);

    await specChanged(c, 3); // the same generation again (a relist): nothing written
    await idleAt(handle, 3);
    assert.equal(c.callsOf('syncVolumeOwners').length, 4, 'once per generation 1, 2, 3 (plus the retried crash)');
    assert.equal((await handle.query(stateQuery)).operations, 1, 'Create only: no operation for an owner change');
  });
});
