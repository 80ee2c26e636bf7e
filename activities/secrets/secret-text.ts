// Reading a Secret by name inside an activity: its keys as text, or undefined when it does not exist.
import type { V1Secret } from '@kubernetes/client-node';
import { isNotFound, type Kube } from '../../k8s/kube-client.ts';

export async function readSecretText(kube: Kube, namespace: string, name: string): Promise<Record<string, string> | undefined> {
  let s: V1Secret;
  try {
    s = await kube.core.readNamespacedSecret({ namespace, name });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
