// Running the one-shot helper pods of k8s/manifests/backup-pods.ts: create, push a stream into the
// pod's listener, wait for it to finish, read its termination message. Every wait heartbeats, so a
// worker crash is noticed by the heartbeat timeout and the next attempt starts over cleanly.
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import { HELPER_PORT } from '../k8s/manifests/backup-pods.ts';
import type { Kube } from './kube-client.ts';

const POLL_MS = 1000;

async function readPod(kube: Kube, namespace: string, name: string): Promise<V1Pod | undefined> {
  return kube.read<V1Pod>({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });
}

/** Deletes the pod and waits until it is gone (a name can then be used again). */
export async function deleteHelperPod(kube: Kube, namespace: string, name: string): Promise<void> {
  await kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } }, 'Background');
  while (await readPod(kube, namespace, name)) {
    heartbeat({ step: `deleting pod ${name}` });
    await sleep(POLL_MS);
  }
}

/** Why a helper pod failed, from its containers' termination messages (or their logs' tail). */
export function podFailure(pod: V1Pod): string {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const failed = statuses.find((s) => (s.state?.terminated?.exitCode ?? 0) !== 0);
  const waiting = statuses.find((s) => s.state?.waiting?.reason && /Err|BackOff|Invalid/.test(s.state.waiting.reason));
  if (failed) return `${failed.name}: ${(failed.state?.terminated?.message ?? failed.state?.terminated?.reason ?? 'failed').trim()}`;
  if (waiting) return `${waiting.name}: ${waiting.state?.waiting?.reason}: ${waiting.state?.waiting?.message ?? ''}`.trim();
  return pod.status?.message ?? pod.status?.reason ?? 'failed';
}

/** Waits until the pod ran to completion; returns it, or throws with its failure. */
export async function waitPodDone(kube: Kube, namespace: string, name: string, what: string): Promise<V1Pod> {
  for (;;) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure.retryable(`${what}: pod ${name} disappeared`, 'HelperPodGone');
    if (pod.status?.phase === 'Succeeded') return pod;
    if (pod.status?.phase === 'Failed') throw ApplicationFailure.retryable(`${what} failed: ${podFailure(pod)}`, 'HelperPodFailed');
    // An image that cannot be pulled never gets better by waiting.
    const stuck = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(s.state?.waiting?.reason ?? ''));
    if (stuck) throw ApplicationFailure.nonRetryable(`${what}: image ${stuck.image} cannot be pulled (${stuck.state?.waiting?.reason})`, 'ImagePull');
    heartbeat({ step: `${what}: pod ${name} ${pod.status?.phase ?? 'Pending'}` });
    await sleep(POLL_MS);
  }
}

/** The pod's IP once its listening container runs. */
async function waitListening(kube: Kube, namespace: string, name: string, what: string): Promise<string> {
  for (;;) {
    const pod = await readPod(kube, namespace, name);
    if (!pod) throw ApplicationFailure.retryable(`${what}: pod ${name} disappeared`, 'HelperPodGone');
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') throw ApplicationFailure.retryable(`${what}: pod ${name} ended before receiving (${podFailure(pod)})`, 'HelperPodFailed');
    const running = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].some((s) => s.state?.running);
    if (running && pod.status?.podIP) return pod.status.podIP;
    heartbeat({ step: `${what}: waiting for pod ${name}` });
    await sleep(POLL_MS);
  }
}

/**
 * Connects to the pod's listener (refused until `nc -l` is up) and streams the body in; resolves when
 * the pod closed the connection. The body is opened only once the pod listens, so no stream is left
 * unread when the pod never comes up.
 */
export async function pushToPod(kube: Kube, namespace: string, name: string, open: Readable | (() => Promise<Readable>), what: string): Promise<void> {
  const ip = await waitListening(kube, namespace, name, what);
  for (let attempt = 1; ; attempt++) {
    const socket = connect({ host: ip, port: HELPER_PORT });
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    } catch (err) {
      socket.destroy();
      if (attempt >= 30) throw err;
      heartbeat({ step: `${what}: connecting to ${name}` });
      await sleep(POLL_MS);
      continue;
    }
    // The receiver closes its side after writing everything it got: that is the end of the transfer.
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    let body: Readable;
    try {
      body = typeof open === 'function' ? await open() : open;
    } catch (err) {
      socket.destroy();
      throw err;
    }
    await pipeline(body, socket);
    await closed;
    return;
  }
}

/** Creates the pod unless it exists (a retry of the same step finds the first one). */
export async function ensurePod(kube: Kube, pod: V1Pod): Promise<V1Pod> {
  const existing = await readPod(kube, pod.metadata!.namespace!, pod.metadata!.name!);
  if (existing) return existing;
  return (await kube.core.createNamespacedPod({ namespace: pod.metadata!.namespace!, body: pod }));
}
