// openRestoredGates starts restored members whose pods were made beside their restores: no gate
// opens unless every member's volume holds the snapshot, and then every gate gets the same initial
// cluster. A pod of another cluster under a member's name is refused, not opened.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { RESTORED_ANNOTATION } from '../../activities/backups/restore.ts';
import { restoredGateActivities } from '../../activities/backups/restored-gates.ts';
import { pastGate } from '../../activities/kube/join-gate.ts';
import { INITIAL_CLUSTER_ANNOTATION, JOIN_GATE_CONTAINER } from '../../k8s/manifests/member-pod.ts';
import { fakeKube, type Obj } from './fake-kube.ts';
import { OWNER, UID } from './cluster-fixture.ts';

const key = { namespace: 'prod', name: 'db', uid: UID };
const SHA = 'a'.repeat(64);
const members = ['db-3', 'db-4'];
const gate = (state: Record<string, unknown>) => ({ initContainerStatuses: [{ name: JOIN_GATE_CONTAINER, state }] }) as unknown as V1Pod['status'];

function world({ restored = members, owner = OWNER }: { restored?: string[]; owner?: typeof OWNER } = {}) {
  const k = fakeKube({ version: '3.6.16', size: 2 });
  for (const m of members) {
    k.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace: 'prod', name: `data-${m}`, ownerReferences: [OWNER], ...(restored.includes(m) && { annotations: { [RESTORED_ANNOTATION]: SHA } }) } } as Obj);
    k.put({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'prod', name: m, ownerReferences: [owner] }, status: gate({ running: {} }) } as Obj);
  }
  const open = () => new MockActivityEnvironment().run(restoredGateActivities({ kube: k.kube }).openRestoredGates, key, { members, sha256: SHA });
  const annotation = (m: string) => (k.objects.get(`Pod/prod/${m}`)?.metadata as V1ObjectMeta).annotations?.[INITIAL_CLUSTER_ANNOTATION];
  return { k, open, annotation };
}

describe('openRestoredGates', () => {
  it('opens every gate with the same initial cluster, then waits until each pod is past its gate', async () => {
    const w = world();
    await assert.rejects(w.open(), (err: Error & { type?: string }) => err.type === 'NotYet' && /db-3, db-4/.test(err.message));
    assert.ok(w.annotation('db-3')?.includes('db-3=') && w.annotation('db-3')?.includes('db-4='));
    assert.equal(w.annotation('db-4'), w.annotation('db-3'));
    for (const m of members) {
      const pod = w.k.objects.get(`Pod/prod/${m}`)!;
      w.k.put({ ...pod, status: gate({ terminated: { exitCode: 0 } }) } as Obj);
    }
    await w.open();
  });

  it('one volume not restored from this snapshot: no gate opens', async () => {
    const w = world({ restored: ['db-3'] });
    await assert.rejects(w.open(), (err: Error & { type?: string }) => err.type === 'NotRestored' && /db-4/.test(err.message));
    assert.deepEqual(w.k.writes.filter((x) => x.startsWith('patch Pod')), []);
  });

  it('a pod of another cluster under a member\'s name is refused and nothing is opened', async () => {
    const w = world({ owner: { ...OWNER, uid: 'another-uid' } });
    await assert.rejects(w.open(), (err: Error & { type?: string }) => err.type === 'PodConflict');
    assert.deepEqual(w.k.writes.filter((x) => x.startsWith('patch Pod')), []);
  });
});

describe('pastGate', () => {
  const pod = (status: V1Pod['status']): V1Pod => ({ status });
  it('is past once the gate ended well or etcd runs; not while the gate waits or after it failed', () => {
    assert.equal(pastGate(pod(gate({ terminated: { exitCode: 0 } }))), true);
    assert.equal(pastGate(pod({ containerStatuses: [{ name: 'etcd', state: { running: {} } } as never] })), true);
    assert.equal(pastGate(pod(gate({ running: {} }))), false);
    assert.equal(pastGate(pod(gate({ terminated: { exitCode: 1 } }))), false);
    assert.equal(pastGate(pod(undefined)), false);
  });
});
