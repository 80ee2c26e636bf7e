// deleteClusterWorkflow on the real dev server with fake activities: teardown order, volumes
// deleted or kept, the finalizer removed last, and crash-resume of every activity it calls.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deleteClusterWorkflow, type DeleteResult } from '../../workflows/delete.ts';
import { clusterWorkflowId, operationWorkflowId } from '../../domain/ids.ts';
import type { ActivityName, ClusterSeed, FakeCluster } from './fake-activities.ts';
import { startHarness, type Harness } from './harness.ts';
import { within } from '../support/wait.ts';

let h: Harness;
before(async () => { h = await startHarness('delete'); });
after(async () => { await h?.close(); });

const TIMEOUT = { timeout: 60_000 };
const PODS = ['demo-0', 'demo-1', 'demo-2'];
const PVCS = PODS.map((p) => `data-${p}`);

/** A running 3-member cluster whose EtcdCluster has just been deleted (deletionTimestamp set, finalizer holding it). */
function deletedCluster(seed: ClusterSeed = {}): FakeCluster {
  const c = h.world.add({ size: 3, ...seed }).seedRunning();
  c.deleting = true;
  return c;
}

async function runDelete(c: FakeCluster): Promise<DeleteResult> {
  const handle = h.track(await h.client.workflow.start(deleteClusterWorkflow, {
    taskQueue: h.taskQueue, workflowId: operationWorkflowId(clusterWorkflowId(c.key), 'Delete', 2), args: [{ key: c.key }],
  }));
  return within(45_000, 'delete workflow', handle.result());
}

/** Nothing of the cluster is left but (with retain) its released volumes, and the object itself is gone. */
function assertTornDown(c: FakeCluster): void {
  assert.deepEqual([...c.pods.keys()], []);
  assert.deepEqual([...c.objects], []);
  assert.equal(c.exists, false, 'Kubernetes removed the EtcdCluster once the finalizer was gone');
  for (const p of PODS) assert.equal(c.count(`delete Pod/${p}`), 1, `${p} deleted once`);
  for (const o of c.serviceObjects()) assert.equal(c.count(`delete ${o}`), 1, `${o} deleted once`);
  assert.deepEqual(c.writes.slice(-2), ['remove finalizer', 'delete EtcdCluster'], 'the finalizer goes last');
  assert.equal(c.calls.at(-1)?.activity, 'removeFinalizer');
  assert.equal(c.count('remove finalizer'), 1);
}

const lastIndex = (c: FakeCluster, activity: ActivityName) => c.calls.map((x) => x.activity).lastIndexOf(activity);
const firstIndex = (c: FakeCluster, activity: ActivityName) => c.calls.findIndex((x) => x.activity === activity);

describe('delete', () => {
  it('delete removes pods and services, waits until the pods are gone, deletes the volumes, and removes the finalizer last', TIMEOUT, async () => {
    const c = deletedCluster();
    c.podTerminationPolls = 2;
    const result = await runDelete(c);
    assert.deepEqual(result, { podsDeleted: 3, volumesDeleted: PVCS, volumesKept: [] });
    assertTornDown(c);
    assert.deepEqual([...c.pvcs.keys()], []);
    assert.deepEqual(c.callsOf('waitPodsGone').map((x) => [x.attempt, x.error]), [
      [1, '3 member pods still terminating'], [2, '3 member pods still terminating'], [3, undefined],
    ]);
    // deleteClusterObjects -> waitPodsGone (until it passes) -> releaseVolumes -> removeFinalizer
    assert.ok(lastIndex(c, 'deleteClusterObjects') < firstIndex(c, 'waitPodsGone'));
    assert.ok(lastIndex(c, 'waitPodsGone') < firstIndex(c, 'releaseVolumes'));
    assert.ok(lastIndex(c, 'releaseVolumes') < firstIndex(c, 'removeFinalizer'));
    assert.deepEqual(c.steps.map((s) => s.step), ['DeleteMembers', 'WaitPodsGone', 'ReleaseVolumes', 'DeleteBackupSchedule', 'RemoveFinalizer']);
  });

  it('delete with retainOnDelete keeps the volumes, released from the cluster, and removes the finalizer last', TIMEOUT, async () => {
    const c = deletedCluster({ retainOnDelete: true });
    const result = await runDelete(c);
    assert.deepEqual(result, { podsDeleted: 3, volumesDeleted: [], volumesKept: PVCS });
    assertTornDown(c);
    assert.deepEqual([...c.pvcs], PVCS.map((p) => [p, { owned: false }]));
    assert.deepEqual(c.callsOf('releaseVolumes').map((x) => x.args[1]), [true]);
  });

  it('delete keeps the volumes when the spec cannot be read (retainOnDelete unknown), and still completes', TIMEOUT, async () => {
    const c = deletedCluster({ retainOnDelete: true });
    c.invalidSpec = 'invalid spec: spec.version: etcd 3.4 is not supported; supported minor versions: 3.5, 3.6';
    const result = await runDelete(c);
    assert.deepEqual(result, { podsDeleted: 3, volumesDeleted: [], volumesKept: PVCS });
    assertTornDown(c);
    assert.deepEqual([...c.pvcs.keys()], PVCS);
  });

  it('delete keeps the volumes when the EtcdCluster has already vanished (retainOnDelete unknown means keep)', TIMEOUT, async () => {
    const c = deletedCluster({ retainOnDelete: false });
    c.exists = false; // e.g. its finalizer was removed by hand: the spec can no longer say
    const result = await runDelete(c);
    assert.deepEqual(result, { podsDeleted: 3, volumesDeleted: [], volumesKept: PVCS });
    assert.deepEqual([...c.pvcs.keys()], PVCS);
    assert.equal(c.writes.filter((w) => w.startsWith('delete PersistentVolumeClaim/')).length, 0);
  });

  it('delete of a cluster with emptyDir storage has no volumes to release', TIMEOUT, async () => {
    const c = deletedCluster({ emptyDir: true });
    const result = await runDelete(c);
    assert.deepEqual(result, { podsDeleted: 3, volumesDeleted: [], volumesKept: [] });
    assertTornDown(c);
  });

  // A crash between an activity's side effect and its reply: the retry must not repeat the effect.
  const crashes: Array<{ activity: ActivityName; name: string; retain?: boolean }> = [
    { activity: 'readCluster', name: 'delete survives readCluster failing after reading: the spec is read again, so retainOnDelete false still deletes the volumes' },
    { activity: 'reportStep', name: 'delete survives reportStep failing after patching status: every object deleted exactly once' },
    { activity: 'deleteClusterObjects', name: 'delete survives deleteClusterObjects failing after deleting: each pod, Service and the PDB deleted exactly once' },
    { activity: 'waitPodsGone', name: 'delete survives waitPodsGone failing after the pods are gone: it checks again and moves on' },
    { activity: 'releaseVolumes', name: 'delete survives releaseVolumes failing after deleting the volumes: each PVC deleted exactly once' },
    { activity: 'releaseVolumes', name: 'delete with retainOnDelete survives releaseVolumes failing after releasing: each PVC released exactly once', retain: true },
    { activity: 'removeFinalizer', name: 'delete survives removeFinalizer failing after removing it: the retry finds it gone and completes' },
  ];
  for (const { activity, name, retain = false } of crashes) {
    it(name, TIMEOUT, async () => {
      const c = deletedCluster({ retainOnDelete: retain });
      // The retry of a crashed deleteClusterObjects still lists the pods, terminating.
      if (activity === 'deleteClusterObjects') c.podTerminationPolls = 1;
      c.crashAfter(activity);
      await runDelete(c);
      const calls = c.callsOf(activity);
      const crashed = calls.findIndex((x) => x.error === `injected crash after ${activity}`);
      assert.ok(crashed >= 0, `${activity} crashed`);
      assert.deepEqual([calls[crashed + 1]?.attempt, calls[crashed + 1]?.error], [calls[crashed]!.attempt + 1, undefined], `${activity}: the retry succeeds`);
      assertTornDown(c);
      if (retain) {
        assert.deepEqual([...c.pvcs], PVCS.map((p) => [p, { owned: false }]));
        for (const p of PVCS) assert.equal(c.count(`release PersistentVolumeClaim/${p}`), 1, `${p} released once`);
      } else {
        assert.deepEqual([...c.pvcs.keys()], []);
        for (const p of PVCS) assert.equal(c.count(`delete PersistentVolumeClaim/${p}`), 1, `${p} deleted once`);
      }
    });
  }
});
