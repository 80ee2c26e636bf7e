// spec.tls and spec.auth in the reconcile loop, on the real dev server with the fake world: a
// certificate Secret that cannot be used stops everything with a condition and one Event until it is
// fixed; a mode-auto certificate due for renewal is issued again and rolled out one member at a time;
// authentication is turned on (root Secret, then AuthEnable) and off, surviving a crash at each step.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { membersChangedSignal, stateQuery } from '../../workflows/messages.ts';
import { waitFor } from '../support/wait.ts';
import { TIMEOUT, clusterDriver, opId, outcome } from './cluster-driver.ts';
import type { FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
before(async () => { h = await startHarness('security'); });
after(async () => { await h?.close(); });

const { created, specChanged, idleAt } = clusterDriver(() => h);
const eventsOf = (c: FakeCluster, reason: string) => [...c.events.values()].filter((e) => e.reason === reason).map((e) => e.message);

describe('TLS certificates in the reconcile loop', () => {
  it('a certificate Secret that cannot be used: no Create, Degraded with the problem and one Warning Event, until it is fixed', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    const problem = 'spec.tls.serverSecret: Secret default/demo-server not found';
    c.tlsProblem = problem;
    const handle = await specChanged(c, 1);
    await waitFor('checked twice', () => c.callsOf('ensureCertificates').length >= 2, { timeoutMs: 40_000 });
    assert.deepEqual(eventsOf(c, 'TLSSecretInvalid'), [`${problem}; nothing starts until it is fixed`], 'one Event, however often it is re-checked');
    assert.equal(c.tlsProblemsReported[0], problem);
    assert.equal(c.pods.size, 0, 'no member starts');
    assert.equal((await handle.query(stateQuery)).operations, 0);
    c.tlsProblem = undefined; // the user creates the Secret: no new generation, the loop looks again by itself
    assert.equal((await outcome(c, opId(c, 'Create', 1), 40_000)).result, 'Succeeded');
    await idleAt(handle, 1);
    assert.equal((await handle.query(stateQuery)).tlsProblem, undefined);
  });

  it('mode auto: a certificate due for renewal is issued again (an Event), then every member restarts onto it once, the leader last', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.certificatesDue = true;
    await handle.signal(membersChangedSignal);
    const o = await outcome(c, opId(c, 'RollingUpdate', 2), 60_000);
    assert.equal(o.result, 'Succeeded', o.message);
    assert.deepEqual(eventsOf(c, 'CertificatesIssued'), ['Issued demo-server-tls (a third of its lifetime left)']);
    const restarts = c.writes.filter((w) => /^(delete|create) Pod\//.test(w)).slice(3);
    assert.deepEqual(restarts, ['delete Pod/demo-1', 'create Pod/demo-1', 'delete Pod/demo-2', 'create Pod/demo-2', 'delete Pod/demo-0', 'create Pod/demo-0']);
    assert.ok(c.writes.indexOf('apply Secret/demo-server-tls') < c.writes.indexOf('delete Pod/demo-1'), 'issued before any restart');
    assert.equal(c.callsOf('ensureCertificates').length, 1, 'issued once');
    await idleAt(handle, 1);
  });
});

describe('authentication in the reconcile loop', () => {
  it('spec.auth.enabled on a running cluster: ConfigureAuth makes the root Secret, then turns auth on; turning it off again', TIMEOUT, async () => {
    const { c, handle } = await created();
    c.authDesired = true;
    c.generation = 2;
    await specChanged(c, 2);
    const on = await outcome(c, opId(c, 'ConfigureAuth', 2), 45_000);
    assert.equal(on.result, 'Succeeded', on.message);
    assert.equal(on.message, 'authentication is on (root\'s password in Secret demo-root)');
    assert.ok(c.writes.indexOf('create Secret/demo-root') < c.writes.indexOf('etcd auth enable'), 'the root Secret first');
    assert.deepEqual(eventsOf(c, 'RootSecretCreated'), ['Secret demo-root created with a random root password']);
    await idleAt(handle, 2);
    c.authDesired = false;
    c.generation = 3;
    await specChanged(c, 3);
    assert.equal((await outcome(c, opId(c, 'ConfigureAuth', 3), 45_000)).result, 'Succeeded');
    assert.equal(c.authOn, false);
    await idleAt(handle, 3);
    assert.equal(c.count('etcd auth enable'), 1);
  });

  it("the root Secret changed: the loop changes root's password in etcd once (RootPasswordChanged), with no spec change", TIMEOUT, async () => {
    const { c, handle } = await created();
    c.authDesired = true;
    c.generation = 2;
    await specChanged(c, 2);
    assert.equal((await outcome(c, opId(c, 'ConfigureAuth', 2), 45_000)).result, 'Succeeded');
    await idleAt(handle, 2);
    c.rootPassword = 'second';
    await handle.signal(membersChangedSignal); // stands in for the loop's periodic observation
    const changed = await outcome(c, opId(c, 'ConfigureAuth', 3), 45_000);
    assert.equal(changed.result, 'Succeeded', changed.message);
    assert.equal(changed.message, "root's password changed (Secret demo-root)");
    assert.deepEqual(eventsOf(c, 'RootPasswordChanged'), ["root's password in etcd changed to the one in Secret demo-root"]);
    await idleAt(handle, 2);
    assert.equal(c.count('etcd root password changed'), 1);
    assert.equal(c.count('etcd auth enable'), 1);
  });

  for (const step of ['ensureRootSecret', 'enableAuth'] as const) {
    it(`a crash right after ${step} resumes: auth on once, one root Secret`, TIMEOUT, async () => {
      const { c, handle } = await created();
      c.crashAfter(step);
      c.authDesired = true;
      c.generation = 2;
      await specChanged(c, 2);
      assert.equal((await outcome(c, opId(c, 'ConfigureAuth', 2), 45_000)).result, 'Succeeded');
      await idleAt(handle, 2);
      assert.equal(c.count('create Secret/demo-root'), 1);
      assert.equal(c.count('etcd auth enable'), 1);
      assert.ok(c.callsOf(step).length >= 2, 'the crashed step ran again');
    });
  }
});
