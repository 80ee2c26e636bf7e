// createClusterWorkflow on the real dev server with fake activities: bootstrap of a static
// initial cluster, crash-resume of every activity it calls, waiting for quorum, invalid specs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { MemberPlan } from '../../activities/kube/members.ts';
import { createClusterWorkflow } from '../../workflows/create.ts';
import { clusterWorkflowId, operationWorkflowId } from '../../domain/ids.ts';
import type { CreateResult } from '../../domain/types.ts';
import type { ActivityName, FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';
import { within } from '../support/wait.ts';

let h: Harness;
before(async () => { h = await startHarness('create'); });
after(async () => { await h?.close(); });

const TIMEOUT = { timeout: 60_000 };

async function runCreate(c: FakeCluster): Promise<CreateResult> {
  const handle = h.track(await h.client.workflow.start(createClusterWorkflow, {
    taskQueue: h.taskQueue, workflowId: operationWorkflowId(clusterWorkflowId(c.key), 'Create', 1), args: [{ key: c.key }],
  }));
  return within(45_000, 'create workflow', handle.result());
}

/** The outcome every successful create of `demo` with 3 members must leave behind. */
function assertBootstrapped(c: FakeCluster, result: CreateResult): void {
  const members = ['demo-0', 'demo-1', 'demo-2'];
  assert.deepEqual(result, { members, generation: 1 });
  for (const o of c.serviceObjects()) assert.equal(c.count(`create ${o}`), 1, `${o} created once`);
  assert.deepEqual([...c.pods.keys()].sort(), members);
  for (const m of members) {
    assert.equal(c.count(`create Pod/${m}`), 1, `${m} created once`);
    assert.equal(c.count(`create PersistentVolumeClaim/data-${m}`), 1, `data-${m} created once`);
    const pod = c.pods.get(m)!;
    assert.equal(pod.state, 'new');
    assert.deepEqual(pod.initialMembers, members);
  }
  assert.deepEqual(c.status.members?.map((m) => m.name), members);
}

describe('create', () => {
  it('create of 3 members applies the services once and creates pods demo-0..2 as new members of the full initial cluster', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    const result = await runCreate(c);
    assertBootstrapped(c, result);
    assert.equal(c.callsOf('applyServices').length, 1);
    assert.deepEqual(c.callsOf('applyMember').map((x) => x.result), ['created', 'created', 'created']);
    assert.deepEqual(c.steps.map((s) => s.step), ['ApplyServices', 'ApplyMember demo-0', 'ApplyMember demo-1', 'ApplyMember demo-2', 'WaitQuorum', 'WaitClientService']);
    assert.deepEqual([...c.events.values()].map((e) => e.reason), ['CreateStarted']);
    // Nothing is created before the services, and readiness is reported only after quorum.
    const order = c.calls.map((x) => x.activity);
    assert.ok(order.indexOf('applyServices') < order.indexOf('applyMember'));
    assert.ok(order.indexOf('checkClusterReady') < order.indexOf('checkClientEndpoints'));
    assert.ok(order.indexOf('checkClientEndpoints') < order.indexOf('reportMembers'));
  });

  // A crash between an activity's side effect and its reply: the retry must not duplicate the effect.
  const crashes: Array<{ activity: ActivityName; name: string; check: (c: FakeCluster) => void }> = [
    {
      activity: 'readCluster', name: 'create of 3 members survives readCluster failing after reading: the spec is read again and nothing is duplicated',
      check: (c) => assert.equal(c.callsOf('readCluster').length, 2),
    },
    {
      activity: 'recordEvent', name: 'create of 3 members survives recordEvent failing after creating the Event: one CreateStarted Event',
      check: (c) => {
        assert.equal(c.callsOf('recordEvent').length, 2);
        assert.equal(c.writes.filter((w) => w.startsWith('create Event/')).length, 1);
        assert.deepEqual([...c.events.values()].map((e) => e.reason), ['CreateStarted']);
      },
    },
    {
      activity: 'reportStep', name: 'create of 3 members survives reportStep failing after patching status: the step is rewritten, the services applied once',
      check: (c) => {
        assert.deepEqual([...new Set(c.steps.map((s) => s.step))], ['ApplyServices', 'ApplyMember demo-0', 'ApplyMember demo-1', 'ApplyMember demo-2', 'WaitQuorum', 'WaitClientService']);
        assert.equal(c.callsOf('applyServices').length, 1);
        assert.equal(c.status.operation?.step, 'WaitClientService');
      },
    },
    {
      activity: 'applyServices', name: 'create of 3 members survives applyServices failing after applying: each Service and the PDB created exactly once',
      check: (c) => assert.equal(c.callsOf('applyServices').length, 2),
    },
    {
      activity: 'applyMember', name: 'create of 3 members survives applyMember failing after creating the pod: each pod created exactly once',
      check: (c) => assert.deepEqual(c.callsOf('applyMember').map((x) => x.result), ['created', 'exists', 'created', 'created']),
    },
    {
      activity: 'checkClusterReady', name: 'create of 3 members survives checkClusterReady failing after a ready answer: it checks again and completes',
      check: (c) => assert.equal(c.callsOf('checkClusterReady').length, 2),
    },
    {
      activity: 'checkClientEndpoints', name: 'create of 3 members survives checkClientEndpoints failing after seeing every endpoint: it looks again and completes',
      check: (c) => assert.equal(c.callsOf('checkClientEndpoints').length, 2),
    },
    {
      activity: 'reportMembers', name: 'create of 3 members survives reportMembers failing after patching status: members reported, pods created once',
      check: (c) => {
        assert.equal(c.callsOf('reportMembers').length, 2);
        assert.equal(c.count('status reportMembers'), 2);
      },
    },
  ];
  for (const { activity, name, check } of crashes) {
    it(name, TIMEOUT, async () => {
      const c = h.world.add({ size: 3 }).crashAfter(activity);
      const result = await runCreate(c);
      const [crashed, retried] = c.callsOf(activity);
      assert.equal(crashed?.error, `injected crash after ${activity}`);
      assert.deepEqual([retried?.attempt, retried?.error], [2, undefined], `${activity}: the retry succeeds`);
      assert.equal(c.calls.filter((x) => x.error).length, 1, 'no other failure');
      assertBootstrapped(c, result);
      check(c);
    });
  }

  const backup = { location: 's3://etcd-backups/ns/demo/b1.db', sha256: 'a'.repeat(64), backupName: 'b1', revision: 7, etcdVersion: '3.6.16', sizeBytes: 10 };
  const fromBackup = ['demo-0', 'demo-1', 'demo-2'];

  it('create from a backup: the member pods are made beside the snapshot\'s check, held at their gates, which open together once every volume holds the backup', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    c.bootstrapBackup = backup;
    const result = await runCreate(c);
    assertBootstrapped(c, result);
    assert.deepEqual(c.steps.map((s) => s.step), ['ApplyServices', `VerifySnapshot ${backup.location}`, 'RestoreVolumes demo-0, demo-1, demo-2', 'StartMembers demo-0, demo-1, demo-2', 'WaitQuorum', 'WaitClientService']);
    assert.ok(c.writes.includes(`restored ${backup.location}`));
    const at = (w: string) => c.writes.indexOf(w);
    const opened = fromBackup.map((m) => at(`open join gate ${m}`));
    for (const m of fromBackup) {
      assert.equal(c.count(`restore data-${m}`), 1, `data-${m} restored once`);
      assert.ok(at(`create Pod/${m}`) >= 0 && at(`create Pod/${m}`) < Math.min(...opened), `${m}'s pod made before any gate opens`);
      assert.ok(at(`restore data-${m}`) < Math.min(...opened), `data-${m} restored before any gate opens`);
    }
    // Made beside the snapshot's check, each once its volume exists, before any restore streams.
    const order = c.calls.map((x) => x.activity);
    assert.ok(order.indexOf('prepareRestoreVolume') < order.indexOf('applyMember'));
    const lastCreated = c.calls.map((x) => x.activity === 'applyMember' && x.result === 'created').lastIndexOf(true);
    assert.ok(lastCreated >= 0 && lastCreated < order.indexOf('restoreMemberVolume'));
  });

  for (const activity of ['applyMember', 'restoreMemberVolume', 'openRestoredGates'] as const) {
    it(`create from a backup survives ${activity} failing after its effect: each volume restored once, each pod made once`, TIMEOUT, async () => {
      const c = h.world.add({ size: 3 }).crashAfter(activity);
      c.bootstrapBackup = backup;
      assertBootstrapped(c, await runCreate(c));
      assert.equal(c.callsOf(activity)[0]?.error, `injected crash after ${activity}`);
      for (const m of fromBackup) assert.equal(c.count(`restore data-${m}`), 1, `data-${m} restored once`);
    });
  }

  it('create of 3 members survives a crash after creating each pod: every retry finds its pod and reports exists', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    for (const m of ['demo-0', 'demo-1', 'demo-2']) c.crashAfter('applyMember', (_key, plan) => plan.member === m);
    const result = await runCreate(c);
    assertBootstrapped(c, result);
    assert.deepEqual(c.callsOf('applyMember').map((x) => [(x.args[1] as MemberPlan).member, x.result]), [
      ['demo-0', 'created'], ['demo-0', 'exists'], ['demo-1', 'created'], ['demo-1', 'exists'], ['demo-2', 'created'], ['demo-2', 'exists'],
    ]);
  });

  it('create waits while checkClusterReady answers not ready (3 retryable failures), then reports the members and completes', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 }).failBefore('checkClusterReady', () => ApplicationFailure.retryable('members [demo-0] != expected [demo-0,demo-1,demo-2]', 'NotYet'), 3);
    const result = await runCreate(c);
    assertBootstrapped(c, result);
    assert.deepEqual(c.callsOf('checkClusterReady').map((x) => x.attempt), [1, 2, 3, 4]);
    assert.equal(c.callsOf('reportMembers').length, 1);
  });

  it('create fails with the spec error when readCluster rejects the spec as InvalidSpec, creating nothing', TIMEOUT, async () => {
    const c = h.world.add({ size: 3 });
    c.invalidSpec = 'invalid spec: spec.size: must be an integer from 1 to 9';
    await assert.rejects(runCreate(c), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError);
      assert.ok(err.cause instanceof ActivityFailure);
      assert.ok(err.cause.cause instanceof ApplicationFailure);
      assert.equal(err.cause.cause.type, 'InvalidSpec');
      assert.equal(err.cause.cause.message, 'invalid spec: spec.size: must be an integer from 1 to 9');
      return true;
    });
    assert.equal(c.callsOf('readCluster').length, 1, 'not retried');
    assert.deepEqual(c.writes, []);
  });
});
