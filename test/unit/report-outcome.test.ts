// reportOutcome on a fake Kubernetes client: a failed operation sets Degraded; one that failed
// because the spec's image cannot be pulled also sets SpecValid=False (ImageUnavailable) for the
// generation it ran for. A failure of type NameConflict is its own Degraded reason, also while it is held.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kube } from '../../k8s/kube-client.ts';
import { statusActivities } from '../../activities/kube/status.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import type { ClusterObservation } from '../../domain/types.ts';

function run(message: string, result: 'Failed' | 'Succeeded' = 'Failed', failureType?: string) {
  const obj: EtcdCluster = { metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 4 }, spec: { size: 3 }, status: {} };
  let written: { conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[] } = {};
  const kube = { updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => typeof written) => { written = build(obj); } } as unknown as Kube;
  const a = statusActivities({ kube, now: () => new Date('2026-11-28T00:00:00Z') });
  return a.reportOutcome({ name: 'db', namespace: 'ns', uid: 'u1' }, { type: 'Upgrade', workflowId: 'w', result, message, ...(failureType && { failureType }) }).then(() => written.conditions ?? []);
}

describe('reportOutcome', () => {
  it('an image that cannot be pulled: Degraded OperationFailed and SpecValid=False ImageUnavailable at the current generation', async () => {
    const c = await run('image check of etcd-operator.local/etcd:v3.6.99: image etcd-operator.local/etcd:v3.6.99 cannot be pulled (ErrImagePull)');
    assert.deepEqual(c.find((x) => x.type === 'Degraded')?.reason, 'OperationFailed');
    const sv = c.find((x) => x.type === 'SpecValid');
    assert.deepEqual([sv?.status, sv?.reason, sv?.observedGeneration], ['False', 'ImageUnavailable', 4]);
  });
  it('any other failure leaves SpecValid alone', async () => {
    const c = await run('member db-1 not healthy within 5m');
    assert.equal(c.find((x) => x.type === 'SpecValid'), undefined);
    assert.equal(c.find((x) => x.type === 'Degraded')?.status, 'True');
  });
});

describe('NameConflict as the Degraded reason', () => {
  const msg = 'Service ns/db-client already exists and belongs to someone else (no owner reference to EtcdCluster db), so the operator leaves it alone: delete it, or re-create it under another name, and the operator makes its own';

  it('reportOutcome of an operation failed with NameConflict: Degraded NameConflict with the message naming the object', async () => {
    const d = (await run(msg, 'Failed', 'NameConflict')).find((x) => x.type === 'Degraded') as { status: string; reason: string; message?: string } | undefined;
    assert.deepEqual([d?.status, d?.reason, d?.message], ['True', 'NameConflict', msg]);
  });

  it('another failure type stays OperationFailed', async () => {
    assert.equal((await run('x', 'Failed', 'KubeHTTP403')).find((x) => x.type === 'Degraded')?.reason, 'OperationFailed');
  });

  it('reportObservation while the failed operation is held: Degraded keeps NameConflict', async () => {
    const obj: EtcdCluster = { metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 4 }, spec: { size: 1 }, status: {} };
    let written: { conditions?: { type: string; reason: string; message?: string }[] } = {};
    const kube = { updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => typeof written) => { written = build(obj); } } as unknown as Kube;
    const member = { name: 'db-0', id: '1', peerURL: 'http://db-0:2380', learner: false, started: true, healthy: true, leader: true };
    const obs = { reachable: true, quorum: true, members: [member], pods: [{ name: 'db-0', terminating: false }], volumes: ['db-0'], highestIndex: 0, bootstrapped: true } as unknown as ClusterObservation;
    await statusActivities({ kube, now: () => new Date() }).reportObservation({ name: 'db', namespace: 'ns', uid: 'u1' }, obs, 1, { reason: 'scale', quorumLost: false, failed: msg, failedType: 'NameConflict' });
    const d = written.conditions?.find((x) => x.type === 'Degraded');
    assert.deepEqual([d?.reason, d?.message], ['NameConflict', msg]);
  });
});
