// What every etcdop command shares: text-or-JSON output and finding the EtcdCluster it names.
import type { Client } from '@temporalio/client';
import { Kube } from '../k8s/kube-client.ts';
import { connectClient } from '../client/temporal.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';

export const print = (json: boolean, data: unknown, text: () => string) => console.log(json ? JSON.stringify(data, null, 2) : text());

export async function getCluster(name: string, namespace: string, kube = Kube.fromDefault()): Promise<EtcdCluster> {
  const obj = await kube.getCluster(namespace, name);
  if (!obj) throw new Error(`EtcdCluster ${namespace}/${name} not found`);
  return obj;
}

/** Runs `fn` with the cluster's uid and a Temporal client, closed afterwards. */
export async function withClusterClient<T>(name: string, namespace: string, fn: (uid: string, client: Client) => Promise<T>): Promise<T> {
  const c = await getCluster(name, namespace);
  const client = await connectClient();
  try {
    return await fn(c.metadata.uid!, client);
  } finally {
    await client.connection.close();
  }
}
