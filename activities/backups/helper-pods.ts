// Running the one-shot helper pods of k8s/manifests/backup-pods.ts: create (a receiving pod with its
// per-transfer token Secret and NetworkPolicy first), push a stream into the pod's listener (over
// the pod network or the API server's port-forward, as the pod says), wait for it to finish, read
// its termination message. Every wait, and the stream itself, heartbeats, so a worker crash or a
// stalled stream is noticed by the heartbeat timeout and the next attempt starts over cleanly.
import { randomBytes } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KubernetesObject, V1OwnerReference, V1Pod, V1Secret } from '@kubernetes/client-node';
import { ApplicationFailure, Context, heartbeat, sleep } from '@temporalio/activity';
import { FIELD_MANAGER } from '../../k8s/api.ts';
import { HELPER_PORT, TRANSFER_TOKEN_KEY, transferNetworkPolicy, transferPathOf, transferSecret, transferSecretName, transferSecretOf } from '../../k8s/manifests/backup-pods.ts';
import { isConflict, type Kube } from '../../k8s/kube-client.ts';
import { openTunnel } from './port-forward.ts';
import { openPodSocket } from './pod-socket.ts';
import { notYet } from '../not-yet.ts';

/** How often a helper pod's progress is read: a pod's step often ends within a second, and each poll is one GET. */
const POLL_MS = 250;
/** How long the receiver's listener may take to come up (refused or unanswered tunnels are tried again until then). */
const CONNECT_MS = 30_000;
/** How long the receiver has to answer the token. */
const ANSWER_MS = 15_000;
/** Heartbeats while bytes flow: at most this often (the SDK throttles further). */
const BEAT_MS = 1000;

/** Whether an owner reference of the object carries one of these uids: only then is it ours to change or delete. */
const ownedByAny = (obj: KubernetesObject | undefined, owners: readonly V1OwnerReference[] | undefined): boolean =>
  Boolean(obj?.metadata?.ownerReferences?.some((o) => owners?.some((w) => w.uid === o.uid)));

/**
 * Writes an object a helper pod needs under a name derived from the pod: created when absent,
 * replaced when ours (same owner as the pod), a NameConflict when someone else's.
 */
async function applyHelperObject(kube: Kube, obj: KubernetesObject): Promise<void> {
  const found = await kube.read(obj);
  if (found && !ownedByAny(found, obj.metadata?.ownerReferences)) {
    throw ApplicationFailure.nonRetryable(`${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name} already exists and is not the operator's (no owner reference to ${obj.metadata?.ownerReferences?.[0]?.kind} ${obj.metadata?.ownerReferences?.[0]?.name}): delete or rename it`, 'NameConflict');
  }
  if (found) {
    await kube.apply(obj);
    return;
  }
  try {
    await kube.objects.create(obj, undefined, undefined, FIELD_MANAGER);
  } catch (err) {
    if (isConflict(err)) throw notYet(`${obj.kind} ${obj.metadata?.name} was created meanwhile`);
    throw err;
  }
}

/** The per-transfer token of a receiving pod, read from its Secret (it stays inside the activity). */
async function transferToken(kube: Kube, namespace: string, pod: string): Promise<string> {
  const secret = await kube.read<V1Secret>({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name: transferSecretName(pod) } });
  const token = secret?.data?.[TRANSFER_TOKEN_KEY];
  if (!token) throw ApplicationFailure.retryable(`the transfer Secret ${namespace}/${transferSecretName(pod)} of pod ${pod} is missing`, 'TransferSecretMissing');
  return Buffer.from(token, 'base64').toString('utf8');
}

export async function readPod(kube: Kube, namespace: string, name: string): Promise<V1Pod | undefined> {
  return kube.read<V1Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });
}

/**
 * Deletes the pod and waits until it is gone (a name can then be used again); then the transfer
 * Secret and NetworkPolicy of a receiving pod, when ours (else they go with the pod's owner).
 * `wait: false` for a pod whose containers all ended: nothing of it runs any more, so what follows
 * need not wait the second or two the kubelet takes to let it go.
 */
export async function deleteHelperPod(kube: Kube, namespace: string, name: string, { wait = true }: { wait?: boolean } = {}): Promise<void> {
  const pod = await readPod(kube, namespace, name);
  await kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Background');
  while (wait && await readPod(kube, namespace, name)) {
    heartbeat({ step: `deleting pod ${name}` });
    await sleep(POLL_MS);
  }
  if (!pod || !transferSecretOf(pod)) return;
  for (const obj of [transferSecret(pod, ''), transferNetworkPolicy(pod)]) {
    const header = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { namespace, name: obj.metadata!.name } };
    if (ownedByAny(await kube.read(header), pod.metadata?.ownerReferences)) await kube.delete(header);
  }
}

/** Every container's status of the pod, init containers first. */
const containerStates = (pod: V1Pod) => [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];

/** Why a helper pod failed, from its containers' termination messages (or their logs' tail). */
export function podFailure(pod: V1Pod): string {
  const statuses = containerStates(pod);
  const failed = statuses.find((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const waiting = statuses.find((s) => s.state?.waiting?.reason && /Err|BackOff|Invalid/.test(s.state.waiting.reason));
  if (failed) return `${failed.name}: ${(failed.state?.terminated?.message ?? failed.state?.terminated?.reason ?? 'failed').trim()}`;
  if (waiting) return `${waiting.name}: ${waiting.state?.waiting?.reason}: ${waiting.state?.waiting?.message ?? ''}`.trim();
  return pod.status?.message ?? pod.status?.reason ?? 'failed';
}

/**
 * How a helper pod (restartPolicy Never) ended, from its containers as soon as they tell: the
 * kubelet reports the phase about a second after the last container ended, and a restore pod has
 * three containers in a row, so waiting for the phase cost a second a step.
 */
export function helperPodOutcome(pod: V1Pod): 'Succeeded' | 'Failed' | undefined {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return pod.status.phase;
  const statuses = containerStates(pod);
  if (statuses.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0)) return 'Failed';
  const expected = (pod.spec?.initContainers?.length ?? 0) + (pod.spec?.containers?.length ?? 0);
  const done = statuses.filter((s) => s.state?.terminated?.exitCode === 0).length;
  return expected > 0 && done === expected ? 'Succeeded' : undefined;
}

/** Waits until the pod ran to completion; returns it, or throws with its failure. */
export async function waitPodDone(kube: Kube, namespace: string, name: string, what: string): Promise<V1Pod> {
  for (;;) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure.retryable(`${what}: pod ${name} disappeared`, 'HelperPodGone');
    const outcome = helperPodOutcome(pod);
    if (outcome === 'Succeeded') return pod;
    if (outcome === 'Failed') throw ApplicationFailure.retryable(`${what} failed: ${podFailure(pod)}`, 'HelperPodFailed');
    // An image that cannot be pulled never gets better by waiting.
    const stuck = containerStates(pod).find((s) => /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(s.state?.waiting?.reason ?? ''));
    if (stuck) throw ApplicationFailure.nonRetryable(`${what}: image ${stuck.image} cannot be pulled (${stuck.state?.waiting?.reason})`, 'ImagePull');
    heartbeat({ step: `${what}: pod ${name} ${pod.status?.phase ?? 'Pending'}` });
    await sleep(POLL_MS);
  }
}

/** Waits until a container of the pod runs (the receiving one: the pod's network namespace exists then); returns the pod. */
async function waitRunning(kube: Kube, namespace: string, name: string, what: string): Promise<V1Pod> {
  for (;;) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure.retryable(`${what}: pod ${name} disappeared`, 'HelperPodGone');
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') throw ApplicationFailure.retryable(`${what}: pod ${name} ended before receiving (${podFailure(pod)})`, 'HelperPodFailed');
    const running = containerStates(pod).some((s) => s.state?.running);
    if (running) return pod;
    heartbeat({ step: `${what}: waiting for pod ${name}` });
    await sleep(POLL_MS);
  }
}

/**
 * Heartbeats at most once per BEAT_MS, for calls made per chunk of a stream: each heartbeat costs
 * the SDK a few microseconds, and a snapshot comes in tens of thousands of chunks.
 */
export function throttledHeartbeat(): (details: unknown) => void {
  let last = 0;
  return (details) => {
    const now = Date.now();
    if (now - last < BEAT_MS) return;
    last = now;
    heartbeat(details);
  };
}

/** Passes bytes on and heartbeats the count as they flow: a stalled stream stops the heartbeats. */
function heartbeating(what: string): Transform {
  let sentBytes = 0;
  const beat = throttledHeartbeat();
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      sentBytes += chunk.length;
      beat({ step: what, sentBytes });
      done(null, chunk);
    },
  });
}

/**
 * Streams the body into the receiving pod: to the pod's listener over the path the pod was made for
 * (its IP, or the API server's port-forward; refused until `nc -l` is up: tried again), the
 * transfer token first; the body is opened only once the pod answered "ok" to the token, so no
 * stream is left unread when the pod never comes up. Heartbeats as the bytes flow; resolves once
 * every byte was handed to the tunnel and it closed. The pod's own report (termination message,
 * SHA-256 check) says whether it got them all.
 */
export async function pushToPod(kube: Kube, namespace: string, name: string, open: Readable | (() => Promise<Readable>), what: string): Promise<void> {
  const pod = await waitRunning(kube, namespace, name, what);
  const ip = pod.status?.podIP;
  const direct = transferPathOf(pod) === 'pod-network' && ip;
  const connectTo = direct ? () => openPodSocket(ip, HELPER_PORT) : () => openTunnel(kube, namespace, name, HELPER_PORT);
  // Unreachable at its IP for 30 s: most likely the operator's network cannot route to pods there.
  const hint = direct ? ` (the operator reaches a helper pod of a cluster without TLS at its IP, port ${HELPER_PORT}, as it reaches etcd's members)` : '';
  const token = await transferToken(kube, namespace, name);
  const deadline = Date.now() + CONNECT_MS;
  for (;;) {
    let tunnel;
    try {
      tunnel = await connectTo();
    } catch (err) {
      const why = (err as Error).message;
      // Not allowed: waiting does not help; say which permission is missing.
      if (/\b(401|403)\b/.test(why)) throw ApplicationFailure.nonRetryable(`${what}: ${why} (the operator needs get and create on pods/portforward, see deploy/rbac/operator.yaml)`, 'Forbidden');
      if (Date.now() >= deadline) throw ApplicationFailure.retryable(`${what}: ${why}${hint}`, 'HelperPodUnreachable');
      heartbeat({ step: `${what}: connecting to ${name}` });
      await sleep(POLL_MS);
      continue;
    }
    try {
      tunnel.writable.write(`${token}\n`);
      const answer = await tunnel.firstLine(ANSWER_MS);
      if (answer !== 'ok') throw new Error(`the receiver answered ${JSON.stringify(answer.slice(0, 80))}`);
    } catch (err) {
      tunnel.destroy();
      if (Date.now() >= deadline) throw ApplicationFailure.retryable(`${what}: pod ${name} did not take the stream: ${(err as Error).message}`, 'HelperPodUnreachable');
      heartbeat({ step: `${what}: connecting to ${name}` });
      await sleep(POLL_MS);
      continue;
    }
    let body: Readable;
    try {
      body = typeof open === 'function' ? await open() : open;
    } catch (err) {
      tunnel.destroy();
      throw err;
    }
    await pipeline(body, heartbeating(what), tunnel.writable, { signal: Context.current().cancellationSignal });
    return;
  }
}

/**
 * Creates the pod unless it exists (a retry of the same step finds the first one). A pod that
 * receives a stream gets its transfer Secret (a fresh random token: a new pod never takes a token
 * an earlier one was given) and its NetworkPolicy before it is created.
 */
export async function ensurePod(kube: Kube, pod: V1Pod): Promise<V1Pod> {
  const existing = await readPod(kube, pod.metadata!.namespace!, pod.metadata!.name!);
  if (existing) return existing;
  if (transferSecretOf(pod)) {
    await applyHelperObject(kube, transferNetworkPolicy(pod));
    await applyHelperObject(kube, transferSecret(pod, randomBytes(32).toString('hex')));
  }
  return (await kube.core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod }));
}
