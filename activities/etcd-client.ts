// Reaching a cluster's etcd members: by pod IP (works from inside the cluster and from the node's
// host), only pods of this cluster's uid, and every call with a deadline so a dead member fails fast.
import type { V1Pod } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import { CLIENT_PORT } from '../k8s/api.ts';
import { belongsTo, selectorString } from '../k8s/manifests/owner.ts';
import { nameFromPeerURL } from '../workflows/reconcile-planner.ts';
import type { ClusterKey } from '../workflows/types.ts';
import type { Kube } from './kube-client.ts';

export const etcdClient = (hosts: string | string[], callTimeoutMs = 5000): Etcd3 =>
  new Etcd3({ hosts, dialTimeout: Math.min(2000, callTimeoutMs), defaultCallOptions: () => ({ deadline: new Date(Date.now() + callTimeoutMs) }) });

/** The cluster's member pods (this uid only: a namesake's pods are another cluster). */
export async function clusterPods(kube: Kube, key: ClusterKey): Promise<V1Pod[]> {
  return (await kube.listPods(key.namespace, selectorString(key.name))).filter((p) => belongsTo(p.metadata, key.uid));
}

/** Member name -> client endpoint of each running (not terminating) pod. */
export function endpointsOf(pods: readonly V1Pod[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of pods) {
    if (p.status?.podIP && !p.metadata?.deletionTimestamp) m.set(p.metadata!.name!, `http://${p.status.podIP}:${CLIENT_PORT}`);
  }
  return m;
}

export const memberEndpoints = async (kube: Kube, key: ClusterKey): Promise<Map<string, string>> => endpointsOf(await clusterPods(kube, key));

/** etcd member IDs are uint64 strings on the wire; status and workflows use hex. */
export const hexId = (id: string): string => BigInt(id).toString(16);

/** A member as etcd's member list returns it. */
export type WireMember = { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean };
/** Its name; an added member that has not started yet has none, so it comes from the peer URL. */
export const wireMemberName = (m: WireMember): string => m.name || nameFromPeerURL(m.peerURLs[0] ?? '');

/** Runs `fn` with a client of these hosts and closes it. */
export async function withEtcd<T>(hosts: string | string[], fn: (c: Etcd3) => Promise<T>, callTimeoutMs?: number): Promise<T> {
  const c = etcdClient(hosts, callTimeoutMs);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
