// The contract cases (test/contract/cases.ts) against the fake activities the workflow tests run
// on: no stack, no worker; each activity is called directly in an activity context. The same cases
// run against the real activities in test/e2e/contract-real.test.ts.
import { describe, it } from 'node:test';
import { pvcName } from '../../k8s/api.ts';
import type { Activities } from '../../activities/index.ts';
import { cases, sha256, statusView, type ContractWorld, type VolumeView } from '../contract/cases.ts';
import { inActivity } from '../support/activity-context.ts';
import { FakeWorld, createFakeActivities } from './fake-activities.ts';

function fakeWorld(): ContractWorld {
  const world = new FakeWorld();
  const acts: Partial<Activities> = createFakeActivities(world);
  const clusterOf = (key: { uid: string }) => world.get({ namespace: 'contract', name: '', uid: key.uid });
  return {
    name: 'fakes',
    call<N extends keyof Activities>(activity: N, ...args: Parameters<Activities[N]>) {
      const fn = acts[activity] as ((...a: Parameters<Activities[N]>) => Promise<unknown>) | undefined;
      if (!fn) throw new Error(`the fakes have no ${activity}: a contract case must call activities the workflow tests use`);
      return inActivity(activity, () => fn(...args)) as ReturnType<Activities[N]>;
    },
    async cluster(name, { size, retainOnDelete = false }) {
      const c = world.add({ name, namespace: 'contract', size, retainOnDelete });
      // As applyMember makes them: owned by the cluster unless retainOnDelete.
      for (const m of c.memberNames()) c.pvcs.set(pvcName(m), { owned: !retainOnDelete });
      return c.key;
    },
    async markRestored(key, member, sha256) {
      clusterOf(key).pvcs.get(pvcName(member))!.restoredSha256 = sha256;
    },
    async volumes(key): Promise<VolumeView[]> {
      return [...clusterOf(key).pvcs].map(([name, v]) => ({
        name, owned: v.owned, removedMember: Boolean(v.removedMember), setAside: Boolean(v.setAside), ...(v.restoredSha256 && { restoredSha256: v.restoredSha256 }),
      })).sort((a, b) => a.name.localeCompare(b.name));
    },
    async status(key) {
      return statusView(clusterOf(key).status);
    },
    async storeSnapshot(key, name, bytes) {
      const location = `s3://etcd-backups/contract/${key.namespace}/${name}.db`;
      const digest = sha256(bytes);
      world.snapshots.set(location, { sha256: digest, sizeBytes: bytes.length });
      return { location, sha256: digest, sizeBytes: bytes.length, backupName: name, revision: 1, etcdVersion: '3.6.16', s3: { bucket: 'etcd-backups', credentialsSecret: 's3-creds' } };
    },
    async etcdSnapshot() { return Buffer.from('the fakes restore any bytes'); },
  };
}

describe('contract: the fake activities', () => {
  for (const c of cases) {
    it(c.name, { timeout: 10_000 }, () => c.run(fakeWorld()));
  }
});
