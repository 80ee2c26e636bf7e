// reportOutcome on a fake Kubernetes client: a failed operation sets Degraded; one that failed
// because the spec's image cannot be pulled also sets SpecValid=False (ImageUnavailable) for the
// generation it ran for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kube } from '../../activities/kube-client.ts';
import { statusActivities } from '../../activities/kube-status.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';

function run(message: string, result: 'Failed' | 'Succeeded' = 'Failed') {
  const obj: EtcdCluster = { metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 4 }, spec: { size: 3 }, status: {} };
  let written: { conditions?: { type: string; status: string; reason: string; observedGeneration?: number }[] } = {};
  const kube = { updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => typeof written) => { written = build(obj); } } as unknown as Kube;
  const a = statusActivities({ kube, now: () => new Date('2026-11-28T00:00:00Z') });
  return a.reportOutcome({ name: 'db', namespace: 'ns', uid: 'u1' }, { type: 'Upgrade', workflowId: 'w', result, message }).then(() => written.conditions ?? []);
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
