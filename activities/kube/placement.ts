// Where members' pods and volumes are: the nodes they are bound to (ready? cordoned? gone?) and, for
// local volumes, the node a volume is pinned to. What the planner's node-loss rule reads.
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import type { ObservedNode } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { LABELS } from '../../k8s/api.ts';

const HOSTNAME = 'kubernetes.io/hostname';

export function observeNode(n: V1Node, now: Date): ObservedNode {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const isReady = ready?.status === 'True';
  const since = ready?.lastTransitionTime ? new Date(ready.lastTransitionTime).getTime() : undefined;
  return {
    name: n.metadata!.name!,
    ready: isReady,
    ...(!isReady && { notReadySeconds: since === undefined ? 0 : Math.max(0, Math.floor((now.getTime() - since) / 1000)) }),
    unschedulable: Boolean(n.spec?.unschedulable),
  };
}

/** The one node a persistent volume is pinned to by its node affinity (local volumes), if any. */
export function pinnedNode(pv: V1PersistentVolume): string | undefined {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms ?? [];
  if (terms.length !== 1) return undefined;
  const hostname = terms[0]!.matchExpressions?.find((e) => e.key === HOSTNAME && e.operator === 'In');
  return hostname?.values?.length === 1 ? hostname.values[0] : undefined;
}

/** The node a pod is bound to, or is being deleted from. */
export const podNode = (p: V1Pod): string | undefined => p.spec?.nodeName || undefined;

/** Whether a node is NotReady (or gone): what stops a pod on it from being deleted gracefully. */
export async function nodeLost(kube: Kube, name: string): Promise<boolean> {
  try {
    return !observeNode(await kube.core.readNode({ name }), new Date()).ready;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return true;
    return false; // unreadable (a namespaced install): treat the node as fine
  }
}

/**
 * The nodes and the volumes' pinned nodes. Undefined nodes when they cannot be read (a namespaced
 * install has no right to): then no member counts as stranded.
 */
export async function observePlacement(kube: Kube, pvcs: V1PersistentVolumeClaim[], now: Date): Promise<{ nodes?: ObservedNode[]; volumeNodes?: Record<string, string> }> {
  let nodes: ObservedNode[];
  try {
    nodes = (await kube.core.listNode({})).items.map((n) => observeNode(n, now)).sort((a, b) => a.name.localeCompare(b.name));
  } catch {
    return {};
  }
  const volumeNodes: Record<string, string> = {};
  await Promise.all(pvcs.map(async (pvc) => {
    const member = pvc.metadata?.labels?.[LABELS.member];
    const pvName = pvc.spec?.volumeName;
    if (!member || !pvName) return;
    try {
      const node = pinnedNode(await kube.core.readPersistentVolume({ name: pvName }));
      if (node) volumeNodes[member] = node;
    } catch { /* unreadable or gone: not pinned as far as we know */ }
  }));
  return { nodes, ...(Object.keys(volumeNodes).length && { volumeNodes }) };
}
