// The operator's Kubernetes activities against the real API server, for the data-safety rules that
// decide what they touch: objects are selected by the cluster's uid (a re-created namesake's pods
// and volumes are another cluster's), a bootstrapped cluster never gets a member started as `new`,
// and a permanent Kubernetes error (403/422/404) fails at once instead of being retried forever.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { Kube } from '../../k8s/kube-client.ts';
import { createActivities } from '../../activities/index.ts';
import { ensureStack } from '../support/stack.ts';
import { etcdImage, kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { OperatorProcess } from '../support/operator.ts';
import type { ClusterKey } from '../../domain/types.ts';

describe('member activities on the real API server', () => {
  let ns: string;
  let cleanup: () => void;
  let acts: ReturnType<typeof createActivities>;
  let key: ClusterKey;

  before(() => {
    ensureStack();
    OperatorProcess.installCrds();
    ({ ns, cleanup } = tempNamespace('e2e-acts'));
    acts = createActivities({ kube: Kube.fromDefault(), defaultRepository: etcdImage('3.6.16').split(':')[0]! });
    // An EtcdCluster no operator watches (this namespace has none): its objects are made by hand.
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'nm' }, spec: { size: 1, version: '3.6.16' } }));
    const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'etcdcluster', '-n', ns, 'nm']).metadata.uid;
    key = { namespace: ns, name: 'nm', uid };
  });
  after(() => {
    kubectl(['patch', 'etcdcluster', '-n', ns, 'nm', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    cleanup();
  });

  const podsOf = () => kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=nm', '-o', 'name']).split('\n').filter(Boolean);
  const pvcsOf = () => kubectl(['get', 'pvc', '-n', ns, '-l', 'etcd.operator.dev/cluster=nm', '-o', 'name']).split('\n').filter(Boolean);

  it('delete of a cluster selects pods, volumes, Services and PDB by its uid: a namesake\'s are left alone', async () => {
    await acts.applyServices(key);
    await acts.applyMember(key, { member: 'nm-0', initialMembers: ['nm-0'], state: 'new' });
    assert.deepEqual(podsOf(), ['pod/nm-0']);
    // The old cluster of the same name (another uid) is deleted: nothing of this one may go.
    const old: ClusterKey = { ...key, uid: '00000000-0000-0000-0000-000000000000' };
    assert.equal(await acts.deleteClusterObjects(old), 0);
    assert.deepEqual(await acts.releaseVolumes(old, false), { deleted: [], kept: [] });
    assert.equal(await acts.deleteMemberPod(old, 'nm-0'), false);
    assert.equal(await acts.releaseMemberVolume(old, 'nm-0', false), 'absent');
    assert.deepEqual(podsOf(), ['pod/nm-0']);
    assert.deepEqual(pvcsOf(), ['persistentvolumeclaim/data-nm-0']);
    assert.equal(kubectl(['get', 'svc,pdb', '-n', ns, '-o', 'name']).split('\n').filter(Boolean).length, 3);
  });

  it('a member of a bootstrapped cluster is never started as `new`, and a restart never gets an empty volume', async () => {
    await acts.markBootstrapped(key);
    await assert.rejects(acts.applyMember(key, { member: 'nm-1', initialMembers: ['nm-0', 'nm-1'], state: 'new' }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'AlreadyBootstrapped' && err.nonRetryable);
    await assert.rejects(acts.applyMember(key, { member: 'nm-2', initialMembers: ['nm-0', 'nm-2'], state: 'existing', requireVolume: true }),
      (err: unknown) => err instanceof ApplicationFailure && err.type === 'VolumeGone' && err.nonRetryable);
    assert.deepEqual(pvcsOf(), ['persistentvolumeclaim/data-nm-0'], 'no volume was created for either');
  });

  it('a permanent Kubernetes error (422 invalid) fails at once, non-retryable, with the API server\'s message', async () => {
    // status.operation.workflowId has at least 1 character in the CRD's schema (text too long is cut before writing, too short is not).
    await assert.rejects(acts.reportStep(key, { type: 'Scale', workflowId: '', step: 'x', startedAt: '2026-01-01T00:00:00Z' }),
      (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable === true && /Kubernetes refused the request \(HTTP 422\)/.test(err.message));
  });

  it('concurrent status writers never overwrite each other (each write is preconditioned on the version it read)', async () => {
    const kube = Kube.fromDefault();
    // Each writer adds its own member to status.members: a read-modify-write of the whole list.
    await Promise.all(Array.from({ length: 6 }, (_, i) => kube.updateClusterStatus(ns, 'nm', key.uid, (obj) => ({
      members: [...(obj.status?.members ?? []), { name: `w-${i}`, leader: false, learner: false, healthy: true }],
    }))));
    const names = kubectlJson<{ status: { members: { name: string }[] } }>(['get', 'etcdcluster', '-n', ns, 'nm']).status.members.map((m) => m.name).sort();
    assert.deepEqual(names, ['w-0', 'w-1', 'w-2', 'w-3', 'w-4', 'w-5']);
  });

  it('releaseMemberVolume on a volume already being deleted answers absent, whether it keeps or deletes, and touches nothing', async () => {
    // A volume of this cluster held in Terminating by a finalizer, as pvc-protection holds one for a while.
    const hold = 'e2e.example/hold';
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: 'data-nm-5', labels: { 'etcd.operator.dev/cluster': 'nm' }, finalizers: [hold], ownerReferences: [{ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'nm', uid: key.uid }] },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } },
    }));
    kubectl(['delete', 'pvc', '-n', ns, 'data-nm-5', '--wait=false']);
    try {
      for (const retain of [false, true]) assert.equal(await acts.releaseMemberVolume(key, 'nm-5', retain), 'absent', `retain ${retain}`);
      const after = kubectlJson<{ metadata: { finalizers?: string[]; labels?: Record<string, string>; ownerReferences?: unknown[] } }>(['get', 'pvc', '-n', ns, 'data-nm-5']).metadata;
      assert.deepEqual(after.finalizers, [hold]);
      assert.equal(after.labels?.['etcd.operator.dev/removed-member'], undefined, 'not marked kept');
      assert.equal(after.ownerReferences?.length, 1, 'not released');
    } finally {
      kubectl(['patch', 'pvc', '-n', ns, 'data-nm-5', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  });

  it('the cluster\'s own delete takes its pods and volumes', async () => {
    assert.equal(await acts.deleteClusterObjects(key), 1);
    assert.deepEqual((await acts.releaseVolumes(key, false)).deleted, ['data-nm-0']);
  });
});
