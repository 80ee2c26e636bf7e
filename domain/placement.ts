// Whether a member can come back where it is: a member whose node is lost (NotReady past the grace
// period, or gone) or whose local volume is pinned to a node that is lost or cordoned (a drain
// evicted it) must be replaced on another node. Pure; the planner's node-loss rule.
import type { ClusterObservation, ObservedMember, ObservedNode, ObservedPod } from './types.ts';

/** spec.recovery.nodeLossGracePeriodSeconds when unset. */
export const DEFAULT_NODE_LOSS_GRACE_SECONDS = 120;

function lostNode(node: ObservedNode | undefined, name: string, graceSeconds: number): string | undefined {
  if (!node) return `its node ${name} is gone`;
  if (!node.ready && (node.notReadySeconds ?? 0) >= graceSeconds) return `its node ${name} has been NotReady for ${node.notReadySeconds}s (grace period ${graceSeconds}s)`;
  return undefined;
}

/**
 * Why `member` cannot run where it is, or undefined. A member etcd counts as healthy is never
 * stranded (a node whose kubelet died can still run it), and unknown nodes (not observed: all
 * members ready, or nodes not readable) strand no one.
 */
export function strandedReason(member: Pick<ObservedMember, 'name' | 'healthy'>, pod: ObservedPod | undefined, o: Pick<ClusterObservation, 'nodes' | 'volumeNodes'>, graceSeconds = DEFAULT_NODE_LOSS_GRACE_SECONDS): string | undefined {
  if (!o.nodes || member.healthy) return undefined;
  const nodes = new Map(o.nodes.map((n) => [n.name, n]));
  const running = pod && pod.phase !== 'Failed' && pod.phase !== 'Succeeded';
  if (running && pod.node) {
    const why = lostNode(nodes.get(pod.node), pod.node, graceSeconds);
    if (why) return why;
  }
  // No pod on a node (gone, evicted, or pending): its volume decides where it could start again.
  const volumeNode = o.volumeNodes?.[member.name];
  if (volumeNode && (!running || !pod.node)) {
    const node = nodes.get(volumeNode);
    if (node?.unschedulable) return `its volume is on node ${volumeNode}, which is cordoned (drained)`;
    const why = lostNode(node, volumeNode, graceSeconds);
    if (why) return why.replace('its node', 'its volume is on node');
  }
  return undefined;
}

/** An unready member on a node that is NotReady but still within its grace period: what the wait says. */
export function nodeNotReadyNote(pod: ObservedPod | undefined, o: Pick<ClusterObservation, 'nodes'>, graceSeconds = DEFAULT_NODE_LOSS_GRACE_SECONDS): string | undefined {
  const node = pod?.node ? o.nodes?.find((n) => n.name === pod.node) : undefined;
  if (!node || node.ready) return undefined;
  return `its node ${node.name} is NotReady (${node.notReadySeconds ?? 0}s; replaced after ${graceSeconds}s)`;
}
