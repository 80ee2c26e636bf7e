// The watcher's dispatcher with a fake Temporal client: a dispatch that failed (Temporal down) is
// sent again on the next event or resync, for spec changes and for member pod readiness flips.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Client } from '@temporalio/client';
import type { V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../../activities/kube-client.ts';
import { Dispatcher } from '../../client/dispatcher.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';

function fakeClient(failures: number) {
  const sent: string[] = [];
  let left = failures;
  const attempt = (what: string) => {
    if (left-- > 0) throw new Error('connection refused: Temporal is down');
    sent.push(what);
  };
  const client = {
    workflow: {
      signalWithStart: async (_: string, o: { signal: string }) => { attempt(o.signal); },
      getHandle: () => ({ signal: async (s: { name: string }) => { attempt(s.name); } }),
    },
  } as unknown as Client;
  return { client, sent };
}
const kube = { updateClusterStatus: async () => {} } as unknown as Kube;
const log = pino({ level: 'silent' });
const cluster: EtcdCluster = {
  metadata: { name: 'db', namespace: 'ns', uid: 'u1', generation: 2, finalizers: [] },
  spec: { size: 3 },
  status: { conditions: [{ type: 'SpecValid', status: 'True', reason: 'Valid', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 }] },
};
const pod = (ready: boolean): V1Pod => ({
  metadata: { name: 'db-0', uid: 'p1', ownerReferences: [{ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', name: 'db', uid: 'u1' }] },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('Dispatcher', () => {
  it('a spec change whose signal failed is signalled again on the next event (relist/resync), and once only after that', async () => {
    const { client, sent } = fakeClient(1);
    const d = new Dispatcher(client, kube, 'q', log);
    await assert.rejects(d.handle(cluster));
    await d.handle(cluster);
    await d.handle(cluster);
    assert.deepEqual(sent, ['specChanged']);
  });

  it('a pod readiness flip whose signal failed is signalled again for the same readiness', async () => {
    const { client, sent } = fakeClient(1);
    const d = new Dispatcher(client, kube, 'q', log);
    await assert.rejects(d.podChanged(pod(false)));
    await d.podChanged(pod(false));
    await d.podChanged(pod(false));
    await d.podChanged(pod(true));
    assert.deepEqual(sent, ['membersChanged', 'membersChanged']);
  });

  it("SpecValid=False ImageUnavailable (an operation found the spec's image cannot be pulled) is kept for that generation, replaced by True on the next edit", async () => {
    const writes: unknown[] = [];
    const recording = { updateClusterStatus: async (_ns: string, _n: string, _u: string, build: (o: EtcdCluster) => unknown) => { writes.push(build(cluster)); } } as unknown as Kube;
    const unavailable = { type: 'SpecValid' as const, status: 'False' as const, reason: 'ImageUnavailable', message: 'image x cannot be pulled', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 };
    const d = new Dispatcher(fakeClient(0).client, recording, 'q', log);
    await d.handle({ ...cluster, status: { conditions: [unavailable] } });
    assert.equal(writes.length, 0, 'a relist after an operator restart keeps it');
    await d.handle({ ...cluster, metadata: { ...cluster.metadata, generation: 3 }, status: { conditions: [unavailable] } });
    assert.equal(writes.length, 1, 'the next edit is checked again');
  });
});
