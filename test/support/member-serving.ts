// Waiting for a recreated member pod to serve: its etcd answers status with a leader.
import { Etcd3 } from 'etcd3';
import { kubectlJson } from './kube.ts';
import { waitFor } from './wait.ts';

/** The pod (a new one, not `oldUid`) runs an etcd member that has a leader. */
export async function memberServing(ns: string, pod: string, oldUid: string): Promise<void> {
  await waitFor(`${pod} serving`, async () => {
    const p = kubectlJson<{ metadata: { uid: string }; status: { podIP?: string } }>(['get', 'pod', '-n', ns, pod, '--ignore-not-found']);
    if (!p?.metadata || p.metadata.uid === oldUid || !p.status.podIP) return false;
    const c = new Etcd3({ hosts: `http://${p.status.podIP}:2379`, dialTimeout: 500, defaultCallOptions: () => ({ deadline: new Date(Date.now() + 1000) }) });
    try { return (await c.maintenance.status()).leader !== '0'; } finally { c.close(); }
  }, { timeoutMs: 180_000, intervalMs: 100 });
}
