// What every etcdop command shares: text, JSON or YAML output, and finding the EtcdCluster it names.
// Light on purpose: the Kubernetes and Temporal clients are imported only by the commands that use
// them, when they run, so `etcdop --help` and the commands that need neither start fast.
import { Option } from 'commander';
import type { Client } from '@temporalio/client';
import type { Kube } from '../k8s/kube-client.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import type { ClusterKey } from '../domain/types.ts';

export const OUTPUT_FORMATS = ['text', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** `-o text|json|yaml`, checked by commander before the command runs. */
export const outputOption = () => new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('text');

export function outputFormat(format: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(format)) return format as OutputFormat;
  throw new Error(`unknown output format "${format}": use ${OUTPUT_FORMATS.join(', ')}`);
}

/** Prints `data` as JSON or YAML, or `text()` for people. */
export async function print(format: string, data: unknown, text: () => string): Promise<void> {
  const f = outputFormat(format);
  if (f === 'json') console.log(JSON.stringify(data, null, 2));
  else if (f === 'yaml') console.log((await import('yaml')).stringify(data).trimEnd());
  else console.log(text());
}

export async function kubeClient(): Promise<Kube> {
  const { Kube } = await import('../k8s/kube-client.ts');
  return Kube.fromDefault();
}

/** `-n` when given, else the current kubeconfig context's namespace, else `default` (as kubectl does). */
export async function resolveNamespace(o: { namespace?: string }, kube?: Kube): Promise<string> {
  o.namespace ??= (kube ?? (await kubeClient())).defaultNamespace();
  return o.namespace;
}

export async function getCluster(name: string, namespace: string, kube?: Kube): Promise<EtcdCluster> {
  const obj = await (kube ?? (await kubeClient())).getCluster(namespace, name);
  if (!obj) throw new Error(`EtcdCluster ${namespace}/${name} not found`);
  return obj;
}

export async function temporalClient(): Promise<Client> {
  const { connectClient } = await import('../client/temporal.ts');
  return connectClient();
}

/** Runs `fn` with a Temporal client, closed afterwards. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await temporalClient();
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

/** Runs `fn` with the cluster's uid and a Temporal client, closed afterwards. */
export async function withClusterClient<T>(name: string, o: { namespace?: string }, fn: (key: ClusterKey, client: Client, namespace: string) => Promise<T>): Promise<T> {
  const kube = await kubeClient();
  const namespace = await resolveNamespace(o, kube);
  const c = await getCluster(name, namespace, kube);
  return withClient((client) => fn({ namespace, name, uid: c.metadata.uid! }, client, namespace));
}

/** The handle of a cluster's reconcile loop (its workflow ID depends on the operator version that started it). */
export async function clusterLoop(client: Client, key: ClusterKey) {
  const { WorkflowIds } = await import('../client/workflow-ids.ts');
  return client.workflow.getHandle(await new WorkflowIds(client).cluster(key));
}
