// Counts how often each pod of a namespace is created, from a watch instead of Scheduled Events:
// Events are best-effort (a busy scheduler may drop one), a watch sees every pod object.
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { Kube } from '../../k8s/kube-client.ts';

export interface PodCreations {
  /** Distinct pods (UIDs) seen per pod name since the watch started, pods present then included. */
  counts(): Map<string, number>;
  stop(): void;
}

export async function watchPodCreations(namespace: string, name: RegExp): Promise<PodCreations> {
  const kube = Kube.fromDefault();
  const uids = new Map<string, Set<string>>();
  const seen = (pod: V1Pod) => {
    const n = pod.metadata?.name ?? '';
    if (name.test(n) && pod.metadata?.uid) uids.set(n, (uids.get(n) ?? new Set()).add(pod.metadata.uid));
  };
  const list = await kube.core.listNamespacedPod({ namespace });
  list.items.forEach(seen);
  let failure: unknown;
  const req = await new Watch(kube.config).watch(`/api/v1/namespaces/${namespace}/pods`, { resourceVersion: list.metadata?.resourceVersion },
    (_type: string, pod: V1Pod) => seen(pod),
    (err: unknown) => { failure ??= err ?? new Error('the pod watch ended'); });
  return {
    counts() {
      if (failure) throw new Error(`the pod watch of ${namespace} broke, counts would be incomplete: ${String(failure)}`);
      return new Map([...uids].map(([n, s]) => [n, s.size]));
    },
    stop() { failure ??= new Error('stopped'); req.abort(); },
  };
}
