// The join gate of a member pod that starts before etcd has the member (k8s/manifests/member-pod.ts):
// the pod waits for an address its peers can look up, the operator opens the gate by writing the
// member's --initial-cluster on the pod, and nudges the kubelet when it misses that write.
import type { V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { GROUP, headlessServiceName } from '../../k8s/api.ts';
import { ETCD_CONTAINER, INITIAL_CLUSTER_ANNOTATION, JOIN_GATE_CONTAINER } from '../../k8s/manifests/member-pod.ts';
import { belongsTo } from '../../k8s/manifests/owner.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { failIfUnschedulable } from './unschedulable.ts';
import { logSideEffect } from '../side-effects.ts';
import { notYet } from '../not-yet.ts';

/** When the operator last asked the kubelet to look at a gated pod again (ms since the epoch). */
export const JOIN_GATE_NUDGE_ANNOTATION = `${GROUP}/join-gate-nudged`;
/** How long a gate may stay closed after it was opened before the kubelet is nudged (again). */
export const JOIN_GATE_NUDGE_AFTER_MS = 2000;

const podHeader = (key: ClusterKey, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: key.namespace, name } });
const annotatePod = (kube: Kube, key: ClusterKey, name: string, annotations: Record<string, string>) =>
  kube.mergePatch(podHeader(key, name), { metadata: { name, namespace: key.namespace, annotations } });

/** The gate's image cannot be pulled: waiting does not help, the operator's tools image must change. */
export function joinGatePullProblem(pod: V1Pod | undefined): string | undefined {
  const gate = pod?.status?.initContainerStatuses?.find((c) => c.name === JOIN_GATE_CONTAINER);
  const reason = gate?.state?.waiting?.reason ?? '';
  if (!/ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(reason)) return undefined;
  return `member ${pod!.metadata?.name} cannot start: the image of its join gate, ${gate!.image}, cannot be pulled (${reason}): set ETCD_OPERATOR_TOOLS_IMAGE to an image with a POSIX shell that the nodes can pull`;
}

/** The pod is past its gate: the gate ended well, or etcd has started (a pod made without a gate). */
export function pastGate(pod: V1Pod): boolean {
  const gate = pod.status?.initContainerStatuses?.find((c) => c.name === JOIN_GATE_CONTAINER);
  if (gate?.state?.terminated?.exitCode === 0) return true;
  const etcd = pod.status?.containerStatuses?.find((c) => c.name === ETCD_CONTAINER);
  return Boolean(etcd?.state?.running || etcd?.state?.terminated || etcd?.lastState?.terminated);
}

/** A member pod made with a join gate that is still held at it: its etcd never ran. */
export function heldAtGate(pod: V1Pod): boolean {
  return Boolean(pod.spec?.initContainers?.some((c) => c.name === JOIN_GATE_CONTAINER)) && !pastGate(pod);
}

/** Fails the wait at once when the gate's image cannot be pulled. */
export function failIfJoinGateStuck(pod: V1Pod | undefined): void {
  const stuck = joinGatePullProblem(pod);
  if (stuck) throw ApplicationFailure.nonRetryable(stuck, 'ImagePull');
}

/**
 * The joining member's pod once its address is published under its name (the headless Service's
 * EndpointSlice, which CoreDNS answers from): adding the member earlier makes the peers look the
 * name up too soon, and CoreDNS caches the "no such name".
 */
export async function addressedPod(kube: Kube, key: ClusterKey, member: string): Promise<V1Pod> {
  const pod = await kube.read<V1Pod>(podHeader(key, member));
  if (!pod || pod.metadata?.deletionTimestamp) throw notYet(`the pod of ${member} does not exist yet`);
  if (!belongsTo(pod.metadata, key.uid)) throw ApplicationFailure.nonRetryable(`Pod ${member} belongs to another cluster`, 'PodConflict');
  await failIfUnschedulable(kube, key, pod);
  failIfJoinGateStuck(pod);
  const ip = pod.status?.podIP;
  if (!ip) throw notYet(`the pod of ${member} has no address yet`);
  const slices = await kube.listEndpointSlices(key.namespace, headlessServiceName(key.name));
  if (!slices.some((s) => s.endpoints?.some((e) => e.addresses.includes(ip)))) throw notYet(`the address of ${member} is not published under its name yet`);
  return pod;
}

/** Opens the gate: the member's --initial-cluster on its pod (written once; etcd has the member by now). */
export async function openJoinGate(kube: Kube, key: ClusterKey, pod: V1Pod, initialCluster: string): Promise<void> {
  if (pod.metadata?.annotations?.[INITIAL_CLUSTER_ANNOTATION]) return;
  await annotatePod(kube, key, pod.metadata!.name!, { [INITIAL_CLUSTER_ANNOTATION]: initialCluster });
  logSideEffect('opened the join gate of a member pod', key, { member: pod.metadata!.name });
}

/**
 * The kubelet sometimes refreshes a downward API volume from the pod as it was before an update,
 * and then not again until its periodic resync, a minute or more later (kubernetes#29633; seen here:
 * a gate that stayed shut 90 s). Another update of the pod makes it look again: while an opened
 * gate stays shut, the pod's nudge annotation is rewritten every JOIN_GATE_NUDGE_AFTER_MS.
 */
export async function nudgeJoinGate(kube: Kube, key: ClusterKey, pod: V1Pod | undefined, now = Date.now()): Promise<boolean> {
  const annotations = pod?.metadata?.annotations ?? {};
  if (!pod || !annotations[INITIAL_CLUSTER_ANNOTATION] || !belongsTo(pod.metadata, key.uid)) return false;
  const gate = pod.status?.initContainerStatuses?.find((c) => c.name === JOIN_GATE_CONTAINER);
  if (!gate?.state?.running) return false;
  if (now - Number(annotations[JOIN_GATE_NUDGE_ANNOTATION] ?? 0) < JOIN_GATE_NUDGE_AFTER_MS) return false;
  await annotatePod(kube, key, pod.metadata!.name!, { [JOIN_GATE_NUDGE_ANNOTATION]: String(now) });
  return true;
}
