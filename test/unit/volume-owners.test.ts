// syncVolumeOwners against an in-memory API server: each member volume gets or loses the cluster's
// owner reference as spec.storage.retainOnDelete says (a removed member's stays released), once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { volumeOwnerActivities } from '../../activities/kube/volume-owners.ts';
import { OWNER, UID } from './cluster-fixture.ts';
import { fakeKube, type Obj } from './fake-kube.ts';

const key = { namespace: 'prod', name: 'db', uid: UID };

describe('syncVolumeOwners', () => {
  const pvc = (name: string, owned: boolean, labels: Record<string, string> = {}): Obj => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'prod', resourceVersion: '1', labels: { 'etcd.operator.dev/cluster': 'db', 'etcd.operator.dev/cluster-uid': UID, ...labels }, ...(owned && { ownerReferences: [OWNER] }) },
  });
  const owners = (k: ReturnType<typeof fakeKube>) => Object.fromEntries([...k.objects.values()].map((o) => [o.metadata!.name, ((o.metadata as V1ObjectMeta).ownerReferences ?? []).map((r) => r.uid)]));
  const seed = (spec: Record<string, unknown>) => {
    const k = fakeKube(spec);
    k.put(pvc('data-db-0', true));
    k.put(pvc('data-db-1', false));
    k.put(pvc('data-db-2', false, { 'etcd.operator.dev/removed-member': 'true' }));
    return k;
  };

  it('retainOnDelete true: every member volume loses our owner reference; a removed member\'s stays as it is', async () => {
    const k = seed({ storage: { retainOnDelete: true } });
    assert.deepEqual(await volumeOwnerActivities({ kube: k.kube }).syncVolumeOwners(key), { owned: [], released: ['data-db-0'] });
    assert.deepEqual(owners(k), { 'data-db-0': [], 'data-db-1': [], 'data-db-2': [] });
  });

  it('retainOnDelete false: every member volume gets it (not the removed member\'s); a second run writes nothing', async () => {
    const k = seed({ storage: { retainOnDelete: false } });
    const a = volumeOwnerActivities({ kube: k.kube });
    assert.deepEqual(await a.syncVolumeOwners(key), { owned: ['data-db-1'], released: [] });
    assert.deepEqual(owners(k), { 'data-db-0': [UID], 'data-db-1': [UID], 'data-db-2': [] });
    const n = k.writes.length;
    assert.deepEqual(await a.syncVolumeOwners(key), { owned: [], released: [] });
    assert.equal(k.writes.length, n);
  });

  it('another owner reference on a volume is kept', async () => {
    const k = fakeKube({ storage: { retainOnDelete: true } });
    const other = { ...OWNER, kind: 'Backup', name: 'b', uid: 'other', controller: false };
    k.put({ ...pvc('data-db-0', false), metadata: { ...(pvc('data-db-0', false).metadata as object), ownerReferences: [other, OWNER] } });
    await volumeOwnerActivities({ kube: k.kube }).syncVolumeOwners(key);
    assert.deepEqual(owners(k), { 'data-db-0': ['other'] });
  });
});
