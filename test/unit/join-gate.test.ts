import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { JOIN_GATE_NUDGE_ANNOTATION, addressedPod, joinGatePullProblem, nudgeJoinGate, openJoinGate } from '../../activities/kube/join-gate.ts';
import { INITIAL_CLUSTER_ANNOTATION } from '../../k8s/manifests/member-pod.ts';
import { fakeKube, type Obj } from './fake-kube.ts';
import { UID } from './cluster-fixture.ts';

const key = { namespace: 'prod', name: 'db', uid: UID };
const owner = [{ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: UID, controller: true }];
const pod = (over: { ip?: string; annotations?: Record<string, string>; gateRunning?: boolean; uid?: string } = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'db-3', namespace: 'prod', ownerReferences: [{ ...owner[0]!, uid: over.uid ?? UID }], ...(over.annotations && { annotations: over.annotations }) },
  status: {
    ...(over.ip && { podIP: over.ip }),
    initContainerStatuses: [{ name: 'join-gate', ready: false, restartCount: 0, image: 'busybox', imageID: '', state: over.gateRunning === false ? { terminated: { exitCode: 0 } } : { running: {} } }],
  },
});
const slice = (ip: string): Obj => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'db-x', namespace: 'prod', labels: { 'kubernetes.io/service-name': 'db' } }, endpoints: [{ addresses: [ip] }] });
const annotationsOf = (k: ReturnType<typeof fakeKube>) => (k.objects.get('Pod/prod/db-3')!.metadata as V1ObjectMeta).annotations ?? {};

describe('join gate: a member pod that starts before etcd has the member', () => {
  it('etcd adds the member only once the pod has an address published under its name', async () => {
    const k = fakeKube();
    await assert.rejects(addressedPod(k.kube, key, 'db-3'), /does not exist yet/);
    k.put(pod());
    await assert.rejects(addressedPod(k.kube, key, 'db-3'), /has no address yet/);
    k.put(pod({ ip: '10.0.0.9' }));
    await assert.rejects(addressedPod(k.kube, key, 'db-3'), /not published under its name yet/);
    k.put(slice('10.0.0.9'));
    assert.equal((await addressedPod(k.kube, key, 'db-3')).status?.podIP, '10.0.0.9');
  });
  it('a gate whose image cannot be pulled fails the wait at once, before etcd adds the member, naming the setting to change', async () => {
    const k = fakeKube();
    const stuck = pod({ ip: '10.0.0.9' });
    (stuck.status as { initContainerStatuses: { state: unknown }[] }).initContainerStatuses[0]!.state = { waiting: { reason: 'ImagePullBackOff' } };
    k.put(stuck);
    k.put(slice('10.0.0.9'));
    await assert.rejects(addressedPod(k.kube, key, 'db-3'), (e: Error & { type?: string; nonRetryable?: boolean }) =>
      /join gate, busybox, cannot be pulled \(ImagePullBackOff\): set ETCD_OPERATOR_TOOLS_IMAGE/.test(e.message) && e.type === 'ImagePull' && e.nonRetryable === true);
    assert.equal(joinGatePullProblem(pod() as V1Pod), undefined, 'a running gate is fine');
  });
  it('a pod of another cluster with the member\'s name is never taken over', async () => {
    const k = fakeKube();
    k.put(pod({ ip: '10.0.0.9', uid: 'someone-else' }));
    await assert.rejects(addressedPod(k.kube, key, 'db-3'), /belongs to another cluster/);
  });
  it('opening writes the initial cluster once; a retry leaves it alone', async () => {
    const k = fakeKube();
    k.put(pod({ ip: '10.0.0.9' }));
    await openJoinGate(k.kube, key, k.objects.get('Pod/prod/db-3') as V1Pod, 'db-0=http://a,db-3=http://b');
    assert.equal(annotationsOf(k)[INITIAL_CLUSTER_ANNOTATION], 'db-0=http://a,db-3=http://b');
    await openJoinGate(k.kube, key, structuredClone(k.objects.get('Pod/prod/db-3')) as V1Pod, 'other');
    assert.equal(annotationsOf(k)[INITIAL_CLUSTER_ANNOTATION], 'db-0=http://a,db-3=http://b');
    assert.equal(k.writes.length, 1);
  });
  it('an opened gate that stays shut is nudged at once, then every 2 s; a closed, passed or foreign gate is not', async () => {
    const k = fakeKube();
    const opened = { [INITIAL_CLUSTER_ANNOTATION]: 'db-3=http://b' };
    assert.equal(await nudgeJoinGate(k.kube, key, pod() as V1Pod, 10_000), false, 'not opened yet: nothing to see');
    assert.equal(await nudgeJoinGate(k.kube, key, pod({ annotations: opened, gateRunning: false }) as V1Pod, 10_000), false, 'passed');
    assert.equal(await nudgeJoinGate(k.kube, key, pod({ annotations: opened, uid: 'someone-else' }) as V1Pod, 10_000), false, 'not ours');
    k.put(pod({ annotations: opened }));
    assert.equal(await nudgeJoinGate(k.kube, key, k.objects.get('Pod/prod/db-3') as V1Pod, 10_000), true);
    assert.equal(annotationsOf(k)[JOIN_GATE_NUDGE_ANNOTATION], '10000');
    assert.equal(await nudgeJoinGate(k.kube, key, structuredClone(k.objects.get('Pod/prod/db-3')) as V1Pod, 11_000), false, 'nudged 1 s ago');
    assert.equal(await nudgeJoinGate(k.kube, key, structuredClone(k.objects.get('Pod/prod/db-3')) as V1Pod, 12_000), true);
  });
});
