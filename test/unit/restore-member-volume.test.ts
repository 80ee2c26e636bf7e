// restoreMemberVolume marks a volume restored only from its own restore pod. The pod's name is the
// member's, whatever the snapshot: if another attempt's restore pod (another snapshot) takes the name
// while this one waits, this one must not take that pod's success as its own and mark the volume
// with a snapshot it does not hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { RESTORED_ANNOTATION, restoreActivities } from '../../activities/backups/restore.ts';
import { restorePodSha256 } from '../../k8s/manifests/backup-pods.ts';
import type { RestoreSource } from '../../domain/backups.ts';
import { fakeKube, type Obj } from './fake-kube.ts';
import { UID } from './cluster-fixture.ts';

const key = { namespace: 'prod', name: 'db', uid: UID };
const source = (sha: string): RestoreSource => ({ location: 'pvc://backups/db/snap.db', sha256: sha.repeat(64), revision: 7, etcdVersion: '3.6.16', sizeBytes: 1 });
const succeeded = (pod: V1Pod): V1Pod => ({ ...pod, status: { phase: 'Succeeded' } });

function world(onCreate: (pod: V1Pod, put: (o: Obj) => void) => void) {
  const k = fakeKube({ version: '3.6.16', size: 1 });
  Object.assign(k.kube.core, {
    createNamespacedPod: async ({ body }: { body: V1Pod }) => { onCreate(body, (o) => k.put(o)); return body; },
  });
  const run = (sha: string) => new MockActivityEnvironment().run(restoreActivities({ kube: k.kube, toolsImage: 'busybox', defaultRepository: 'etcd' }).restoreMemberVolume, key, { member: 'db-3', initialMembers: ['db-3'], source: source(sha) });
  const restored = () => (k.objects.get('PersistentVolumeClaim/prod/data-db-3')?.metadata as V1ObjectMeta | undefined)?.annotations?.[RESTORED_ANNOTATION];
  return { k, run, restored };
}

/** The member's own pod on the volume (made beside the restore, held at its join gate). */
const memberPod = (): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-3', namespace: 'prod', ownerReferences: [{ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: UID }] } });
const bind = (k: ReturnType<typeof fakeKube>) => {
  const claim = k.objects.get('PersistentVolumeClaim/prod/data-db-3')!;
  claim.status = { phase: 'Bound' };
};

describe('restoreMemberVolume', () => {
  it('makes the restore pod only once the member\'s pod got the volume bound (the scheduler backs off a pod made before)', async () => {
    const events: string[] = [];
    const w = world((pod, put) => { events.push('restore pod made'); put(succeeded(pod) as Obj); });
    w.k.put(memberPod());
    const done = w.run('a');
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(events.length, 0, 'no restore pod while the volume is unbound and the member\'s pod waits for it');
    events.push('bound');
    bind(w.k);
    assert.equal(await done, 'restored');
    assert.deepEqual(events, ['bound', 'restore pod made']);
  });

  it('makes the restore pod at once when no member pod is on the volume (nothing else would get it bound)', async () => {
    const w = world((pod, put) => put(succeeded(pod) as Obj));
    const env = new MockActivityEnvironment();
    const steps: string[] = [];
    env.on('heartbeat', (d: { step?: string }) => { if (d?.step) steps.push(d.step); });
    const restore = restoreActivities({ kube: w.k.kube, toolsImage: 'busybox', defaultRepository: 'etcd' }).restoreMemberVolume;
    assert.equal(await env.run(restore, key, { member: 'db-3', initialMembers: ['db-3'], source: source('a') }), 'restored');
    assert.deepEqual(steps.filter((x) => /bound/.test(x)), [], 'no wait for a binding');
  });

  const prepare = (w: ReturnType<typeof world>, sha: string) =>
    new MockActivityEnvironment().run(restoreActivities({ kube: w.k.kube, toolsImage: 'busybox', defaultRepository: 'etcd' }).prepareRestoreVolume, key, { member: 'db-3', initialMembers: ['db-3'], source: source(sha) });

  it('prepareRestoreVolume applies the volume and makes no restore pod (restoreMemberVolume does, after the check)', async () => {
    const w = world(() => assert.fail('no pod is made while the snapshot is checked'));
    assert.equal(await prepare(w, 'a'), 'prepared');
    assert.ok(w.k.objects.has('PersistentVolumeClaim/prod/data-db-3'));
    assert.equal(w.k.objects.has('Pod/prod/db-3-restore'), false);
  });

  it('prepareRestoreVolume deletes an earlier candidate\'s restore pod and keeps one of its own snapshot', async () => {
    const w = world(() => assert.fail('no pod is made while the snapshot is checked'));
    const restorePodOf = (sha: string): Obj => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-3-restore', namespace: 'prod', ownerReferences: memberPod().metadata!.ownerReferences }, spec: { initContainers: [{ name: 'fetch', env: [{ name: 'SHA256', value: sha.repeat(64) }] }], containers: [] } });
    w.k.put(restorePodOf('b'));
    assert.equal(await prepare(w, 'a'), 'prepared');
    assert.equal(w.k.objects.has('Pod/prod/db-3-restore'), false, 'another snapshot\'s pod is gone');
    w.k.put(restorePodOf('a'));
    assert.equal(await prepare(w, 'a'), 'prepared');
    assert.ok(w.k.objects.has('Pod/prod/db-3-restore'), 'this snapshot\'s own pod is kept');
  });

  it('a pod under the restore pod\'s name that is not this cluster\'s is never deleted: PodConflict', async () => {
    const w = world(() => assert.fail('no restore pod is made over another cluster\'s pod'));
    const foreign: Obj = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-3-restore', namespace: 'prod', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'other', uid: 'other-uid' }] } };
    w.k.put(foreign);
    await assert.rejects(prepare(w, 'a'), /belongs to another cluster/);
    await assert.rejects(w.run('a'), /belongs to another cluster/);
    assert.ok(w.k.objects.has('Pod/prod/db-3-restore'), 'the other pod is still there');
    assert.equal(w.k.writes.some((x) => x.startsWith('delete Pod/')), false);
  });

  it('marks the volume with the snapshot its own restore pod restored', async () => {
    const w = world((pod, put) => put(succeeded(pod) as Obj));
    assert.equal(await w.run('a'), 'restored');
    assert.equal(w.restored(), 'a'.repeat(64));
  });

  it('a restore pod of another snapshot under the same name is not taken as its own: the volume is not marked', async () => {
    // The pod this activity created is replaced, before it ends, by the next backup's restore pod, which succeeds.
    const w = world((pod, put) => {
      const other = structuredClone(pod);
      for (const c of other.spec!.initContainers!) for (const e of c.env ?? []) if (e.name === 'SHA256') e.value = 'b'.repeat(64);
      put(succeeded(other) as Obj);
    });
    await assert.rejects(w.run('a'), /restores another snapshot/);
    assert.equal(restorePodSha256(w.k.objects.get('Pod/prod/db-3-restore') as V1Pod), 'b'.repeat(64), 'the other restore\'s pod is left to it');
    assert.equal(w.restored(), undefined, 'the volume is not marked with a snapshot its pod did not restore');
  });
});
