// Objects under derived names against an in-memory API server: created when absent, applied when
// ours (owner reference with our uid), a namesake someone else made is a NameConflict and is never
// written or deleted.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, type V1ObjectMeta } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { authActivities } from '../../activities/etcd/auth.ts';
import { userActivities } from '../../activities/etcd/users.ts';
import { autoCertificatesDue, certificateActivities } from '../../activities/secrets/certificates.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { memberActivities } from '../../activities/kube/members.ts';
import { applyOwned } from '../../activities/kube/owned-objects.ts';
import { clientService } from '../../k8s/manifests/services.ts';
import { cluster, OWNER, UID } from './cluster-fixture.ts';
import { fakeKube, type Obj } from './fake-kube.ts';

const key = { namespace: 'prod', name: 'db', uid: UID };
const theirs = (kind: string, name: string, extra: Record<string, unknown> = {}): Obj => ({
  apiVersion: kind === 'PodDisruptionBudget' ? 'policy/v1' : kind === 'NetworkPolicy' ? 'networking.k8s.io/v1' : 'v1',
  kind, metadata: { name, namespace: 'prod', labels: { marker: 'theirs', 'etcd.operator.dev/cluster-uid': UID } }, ...extra,
});

async function conflict(p: Promise<unknown>, object: RegExp): Promise<void> {
  await assert.rejects(p, (err: ApplicationFailure) => {
    assert.equal(err.type, 'NameConflict');
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, object);
    assert.match(err.message, /belongs to someone else.*delete it, or re-create it under another name/);
    return true;
  });
}

describe('applyOwned', () => {
  it('absent: created (POST, never an apply that could merge into a namesake)', async () => {
    const k = fakeKube();
    await applyOwned(k.kube, clientService(cluster()), UID);
    assert.deepEqual(k.writes, ['create Service/prod/db-client']);
  });

  it('ours (owner reference with our uid): applied', async () => {
    const k = fakeKube();
    k.put(clientService(cluster()) as Obj);
    await applyOwned(k.kube, clientService(cluster()), UID);
    assert.deepEqual(k.writes, ['apply Service/prod/db-client']);
  });

  it('a namesake without our owner reference (even with our uid label): NameConflict naming it, nothing written', async () => {
    const k = fakeKube();
    k.put(theirs('Service', 'db-client'));
    await conflict(applyOwned(k.kube, clientService(cluster()), UID), /^Service prod\/db-client already exists .*EtcdCluster db/);
    assert.deepEqual(k.writes, []);
  });

  it('a namesake owned by another object: NameConflict', async () => {
    const k = fakeKube();
    k.put({ ...theirs('Service', 'db-client'), metadata: { name: 'db-client', namespace: 'prod', ownerReferences: [{ ...OWNER, uid: 'other-uid' }] } });
    await conflict(applyOwned(k.kube, clientService(cluster()), UID), /Service prod\/db-client/);
  });

  it('made by someone between the read and the create: a retryable failure (looked at again)', async () => {
    const k = fakeKube();
    const kube = { ...k.kube, read: async () => undefined, create: async () => { throw new ApiException(409, 'exists', '{}', {}); } } as unknown as Kube;
    await assert.rejects(applyOwned(kube, clientService(cluster()), UID), (err: ApplicationFailure) => err.type === 'NotYet' && !err.nonRetryable);
  });

  it('refuses to apply an object that does not carry the owner reference (what it creates must be ours)', async () => {
    const k = fakeKube();
    const svc = clientService(cluster());
    await assert.rejects(applyOwned(k.kube, { ...svc, metadata: { ...svc.metadata, ownerReferences: [] } }, UID), /no owner reference/);
  });
});

describe('derived-name objects of a cluster', () => {
  const members = (k: ReturnType<typeof fakeKube>) => memberActivities({ kube: k.kube, defaultRepository: 'etcd', toolsImage: 'busybox' });

  it('applyServices: the namesake PDB stops it with a NameConflict naming the PDB; the Services before it are created; the namesake is unchanged', async () => {
    const k = fakeKube();
    const pdb = theirs('PodDisruptionBudget', 'db', { spec: { minAvailable: 7 } });
    k.put(pdb);
    await conflict(members(k).applyServices(key), /^PodDisruptionBudget prod\/db already exists/);
    assert.deepEqual(k.writes, ['create Service/prod/db', 'create Service/prod/db-client']);
    assert.deepEqual(k.objects.get('PodDisruptionBudget/prod/db'), pdb);
  });

  it('applyServices: the namesake NetworkPolicy is a NameConflict too', async () => {
    const k = fakeKube();
    k.put(theirs('NetworkPolicy', 'db'));
    await conflict(members(k).applyServices(key), /^NetworkPolicy prod\/db /);
  });

  it('applyDisruptionBudget: a namesake PDB is never changed', async () => {
    const k = fakeKube();
    k.put(theirs('PodDisruptionBudget', 'db'));
    await conflict(members(k).applyDisruptionBudget(key, 3), /PodDisruptionBudget prod\/db/);
    assert.deepEqual(k.writes, []);
  });

  it('deleteClusterObjects deletes only what carries our owner reference: namesakes (with our uid label or none) stay', async () => {
    const k = fakeKube();
    const ref = cluster();
    k.put(clientService(ref) as Obj);
    for (const o of [theirs('Service', 'db'), theirs('PodDisruptionBudget', 'db'), theirs('NetworkPolicy', 'db')]) k.put(o);
    await members(k).deleteClusterObjects(key);
    assert.deepEqual(k.writes, ['delete Service/prod/db-client']);
    assert.equal(k.objects.size, 3);
  });

  it('ensureRootSecret: a namesake <cluster>-root is a NameConflict that says how to use it (spec.auth.rootSecret); nothing created', async () => {
    const k = fakeKube({ auth: { enabled: true } });
    k.put(theirs('Secret', 'db-root', { data: { password: Buffer.from('theirs').toString('base64') } }));
    await conflict(authActivities({ kube: k.kube }).ensureRootSecret(key), /^Secret prod\/db-root already exists.*name it in spec\.auth\.rootSecret/);
    assert.deepEqual(k.writes, []);
  });

  it('ensureRootSecret: a Secret the spec names (spec.auth.rootSecret) is the user\'s: used as it is, never written', async () => {
    const k = fakeKube({ auth: { enabled: true, rootSecret: 'db-root' } });
    k.put(theirs('Secret', 'db-root', { data: { password: Buffer.from('theirs').toString('base64') } }));
    assert.deepEqual(await authActivities({ kube: k.kube }).ensureRootSecret(key), { secret: 'db-root', created: false });
    assert.deepEqual(k.writes, []);
  });

  it('ensureRootSecret: a namesake <cluster>-root-applied is a NameConflict before anything is written', async () => {
    const k = fakeKube({ auth: { enabled: true } });
    k.put(theirs('Secret', 'db-root-applied'));
    await conflict(authActivities({ kube: k.kube }).ensureRootSecret(key), /Secret prod\/db-root-applied/);
    assert.deepEqual(k.writes, []);
  });

  it('TLS mode auto: a namesake certificate Secret makes certificates due, and ensureCertificates reports it without issuing anything', async () => {
    const k = fakeKube({ tls: { mode: 'auto' } });
    k.put(theirs('Secret', 'db-server-tls', { data: {} }));
    const ref = { ...cluster({ tls: { mode: 'auto' } }) };
    assert.equal(await autoCertificatesDue(k.kube, ref, ref.spec.tls!, new Date()), true);
    await conflict(certificateActivities({ kube: k.kube }).ensureCertificates(key), /^Secret prod\/db-server-tls already exists/);
    assert.deepEqual(k.writes, []);
  });
});

describe('derived-name Secrets of an EtcdUser', () => {
  const user = { namespace: 'prod', name: 'app', uid: 'user-uid' };

  it('ensureUserPassword: a namesake <name>-password is a NameConflict that says how to use it (spec.passwordSecret); nothing created', async () => {
    const k = fakeKube();
    k.put(theirs('Secret', 'app-password', { data: { password: Buffer.from('theirs').toString('base64') } }));
    await conflict(userActivities({ kube: k.kube }).ensureUserPassword(user), /^Secret prod\/app-password already exists .*EtcdUser app.*name it in spec\.passwordSecret/);
    assert.deepEqual(k.writes, []);
  });

  it('ensureUserPassword: a namesake <name>-credentials is a NameConflict before the password Secret is made', async () => {
    const k = fakeKube();
    k.put(theirs('Secret', 'app-credentials'));
    await conflict(userActivities({ kube: k.kube }).ensureUserPassword(user), /^Secret prod\/app-credentials already exists/);
    assert.deepEqual(k.writes, []);
  });

  it('ensureUserPassword: absent, the password Secret is created owned by the EtcdUser', async () => {
    const k = fakeKube();
    assert.deepEqual(await userActivities({ kube: k.kube }).ensureUserPassword(user), { secret: 'app-password', created: true });
    assert.deepEqual(((k.objects.get('Secret/prod/app-password')!.metadata as V1ObjectMeta).ownerReferences ?? []).map((o) => [o.kind, o.uid]), [['EtcdUser', 'user-uid']]);
  });
});
