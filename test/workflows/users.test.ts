// etcdUserWorkflow on the real dev server with the fake world: a new EtcdUser gets its password
// Secret, its user and roles in etcd, its credentials Secret and Ready; a password change is applied
// again once; a problem is a Ready=False condition with one Warning Event until fixed; deletion
// removes the user from etcd and then the finalizer; a crash after any step repeats nothing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userWorkflowId } from '../../domain/ids.ts';
import { userChangedSignal } from '../../workflows/messages.ts';
import { waitFor, within } from '../support/wait.ts';
import { TIMEOUT } from './cluster-driver.ts';
import type { FakeCluster, FakeUser } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('users'); });
after(async () => { await h?.close(); });

const start = async (u: FakeUser) => h.track(await h.client.workflow.start('etcdUserWorkflow', { taskQueue: h.taskQueue, workflowId: userWorkflowId(u.key, 'c'), args: [{ user: u.key }] }));
const eventsOf = (c: FakeCluster, reason: string) => [...c.events.entries()].filter(([k, e]) => k.startsWith('user-') && e.reason === reason).map(([, e]) => e.message);
const ready = (u: FakeUser) => waitFor('Ready', () => u.status?.ready === true && u.status, { timeoutMs: 30_000 });

describe('etcdUserWorkflow', () => {
  it('a new user: finalizer, password Secret, user and roles in etcd, credentials Secret, Ready, one UserApplied Event; nothing again while nothing changes', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    const u = h.world.addUser(c);
    const handle = await start(u);
    const s = await ready(u);
    assert.equal(s.credentialsSecret, 'app-credentials');
    assert.match(s.message, /credentials in Secret app-credentials \(the cluster has authentication off/);
    assert.equal(u.finalizer, true);
    assert.deepEqual(c.writes.filter((w) => /Secret\/app|etcd user/.test(w)), ['create Secret/app-password', 'etcd user app g1 password v1', 'apply Secret/app-credentials']);
    assert.equal(eventsOf(c, 'PasswordSecretCreated').length, 1);
    assert.equal(eventsOf(c, 'UserApplied').length, 1);
    await handle.signal(userChangedSignal); // e.g. the watcher's relist: nothing changed
    await waitFor('read again', () => c.callsOf('readEtcdUser').length >= 2);
    assert.equal(c.callsOf('applyUserInEtcd').length, 1);
  });

  it('a password change (the Secret edited) is applied again once, with a UserUpdated Event', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    const u = h.world.addUser(c);
    const handle = await start(u);
    await ready(u);
    u.passwordVersion = 2;
    await handle.signal(userChangedSignal);
    await waitFor('applied with the new password', () => c.writes.includes('etcd user app g1 password v2'));
    await waitFor('UserUpdated', () => eventsOf(c, 'UserUpdated').length === 1);
    assert.equal(c.count('create Secret/app-password'), 1, 'the Secret is never made again');
  });

  it('a problem (unknown cluster) is Ready=False with one Warning Event however often it is looked at; once fixed the user is applied', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    const u = h.world.addUser(c);
    u.problem = { reason: 'ClusterNotFound', message: 'EtcdCluster default/nope does not exist' };
    const handle = await start(u);
    await waitFor('Ready=False', () => u.status?.ready === false && u.status.reason === 'ClusterNotFound');
    await handle.signal(userChangedSignal);
    await waitFor('looked at again', () => c.callsOf('readEtcdUser').length >= 2);
    assert.deepEqual(eventsOf(c, 'ClusterNotFound'), ['EtcdCluster default/nope does not exist']);
    assert.equal(c.callsOf('applyUserInEtcd').length, 0);
    u.problem = undefined;
    u.generation = 2;
    await handle.signal(userChangedSignal);
    await ready(u);
    assert.equal(eventsOf(c, 'UserApplied').length, 1);
  });

  it('deleting the EtcdUser deletes the user from etcd, then the finalizer; the workflow ends', TIMEOUT, async () => {
    const c = h.world.add({ size: 1 });
    const u = h.world.addUser(c);
    const handle = await start(u);
    await ready(u);
    u.deleting = true;
    await handle.signal(userChangedSignal);
    assert.deepEqual(await within(30_000, 'user workflow', handle.result()), { deleted: 'app' });
    assert.ok(c.writes.indexOf('etcd user app deleted') >= 0);
    assert.equal(u.finalizer, false);
    assert.deepEqual(eventsOf(c, 'UserDeleted'), ['user app deleted from etcd, with roles app-rw']);
  });

  for (const step of ['ensureUserPassword', 'applyUserInEtcd', 'writeUserCredentials'] as const) {
    it(`a crash right after ${step}: the user ends Ready, the password Secret made once`, TIMEOUT, async () => {
      const c = h.world.add({ size: 1 });
      c.crashAfter(step);
      const u = h.world.addUser(c);
      await start(u);
      await ready(u);
      assert.equal(c.count('create Secret/app-password'), 1);
      assert.ok(c.callsOf(step).length >= 2, 'the crashed step ran again');
    });
  }
});
