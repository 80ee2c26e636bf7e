// A member pod the scheduler cannot place (a required anti-affinity, too few nodes, a full node) is
// said at once: a Warning Event (one per pod) and Progressing's message carry the scheduler's own
// reason, instead of a silent wait. The wait itself goes on: a node may come back, room be freed.
import type { V1Pod } from '@kubernetes/client-node';
import { API_VERSION, ETCD_CLUSTER } from '../../k8s/api.ts';
import { REASONS, setCondition } from '../../k8s/conditions.ts';
import { eventAbout } from '../../k8s/events.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { notYet } from '../not-yet.ts';

/** "member db-1 cannot be scheduled: 0/3 nodes are available: ..." while the scheduler has found no node for it. */
export function unschedulableMessage(pod: V1Pod): string | undefined {
  if (pod.spec?.nodeName) return undefined;
  const c = pod.status?.conditions?.find((x) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable');
  return c && `member ${pod.metadata?.name} cannot be scheduled: ${c.message?.trim() || 'no node fits it'}`;
}

/**
 * How long a pod must have been unschedulable before it is reported: a pod whose volume is still
 * being bound, or that waits for a node to free room for a moment, is unschedulable in passing.
 */
export const REPORT_AFTER_MS = 10_000;

export function unschedulableLongEnough(pod: V1Pod, now: Date): boolean {
  const since = pod.status?.conditions?.find((x) => x.type === 'PodScheduled')?.lastTransitionTime;
  return !since || now.getTime() - new Date(since).getTime() >= REPORT_AFTER_MS;
}

/** Progressing=True reason MemberUnschedulable with `message`, and the Event; nothing written when it already says so, or not for long enough. */
export async function reportUnschedulable(kube: Kube, key: ClusterKey, pod: V1Pod, message: string, now = new Date()): Promise<void> {
  if (!unschedulableLongEnough(pod, now)) return;
  let changed = false;
  await kube.updateClusterStatus(key.namespace, key.name, key.uid, (obj) => {
    const p = obj.status?.conditions?.find((c) => c.type === 'Progressing');
    if (p?.reason === REASONS.Progressing.MemberUnschedulable && p.message === message) return undefined;
    changed = true;
    return { conditions: setCondition(obj.status?.conditions, { type: 'Progressing', status: 'True', reason: REASONS.Progressing.MemberUnschedulable, message }, now) };
  });
  if (!changed) return;
  const involved = { apiVersion: API_VERSION, kind: ETCD_CLUSTER.kind, name: key.name, namespace: key.namespace, uid: key.uid };
  await kube.createEvent(eventAbout(involved, { id: `unschedulable-${pod.metadata?.uid ?? pod.metadata?.name}`, type: 'Warning', reason: 'MemberUnschedulable', message }, now));
}

/** For the waits on member pods: a pod no node takes is reported, and the wait fails this attempt with why (retried). */
export async function failIfUnschedulable(kube: Kube, key: ClusterKey, pod: V1Pod | undefined): Promise<void> {
  const why = pod && unschedulableMessage(pod);
  if (!why) return;
  await reportUnschedulable(kube, key, pod, why);
  throw notYet(why);
}
