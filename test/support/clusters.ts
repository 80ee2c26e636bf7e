// EtcdCluster helpers for e2e tests: apply, read, wait for Available, list what is left.
import { Kube } from '../../k8s/kube-client.ts';
import { kubectl, kubectlJson } from './kube.ts';
import { waitFor } from './wait.ts';

export interface Member { name: string; learner: boolean; healthy: boolean; id: string; leader: boolean }
export interface Cluster {
  metadata: { generation: number; uid: string };
  spec: { size: number };
  status?: {
    observedGeneration?: number; readyMembers?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[]; members?: Member[]; operation?: { type?: string; step?: string };
  };
}

export const clusterYaml = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdCluster', metadata: { name }, spec });
export const getCluster = (ns: string, name: string) => kubectlJson<Cluster>(['get', 'etcdcluster', '-n', ns, name]);
export const available = (c: Cluster) => c.status?.conditions?.some((x) => x.type === 'Available' && x.status === 'True') ?? false;

// The long waits read through one in-process client: a kubectl process a second per waiting suite
// was a good part of what the side-by-side suites spent on CPU.
let client: Kube | undefined;
const kube = () => (client ??= Kube.fromDefault());
export async function readCluster(ns: string, name: string): Promise<Cluster> {
  const c = await kube().getCluster(ns, name);
  if (!c) throw new Error(`etcdcluster ${ns}/${name} not found`);
  return c as unknown as Cluster;
}

/**
 * Available, all members ready, and the operation that got there finished (generation observed).
 * Tests look once a second; benches pass a finer `intervalMs` (their baselines are timed as finely).
 */
export async function waitAvailable(ns: string, name: string, timeoutMs = 180_000, intervalMs = 1000): Promise<Cluster> {
  return waitFor(`${name} Available`, async () => {
    const c = await readCluster(ns, name);
    return available(c) && c.status?.readyMembers === c.spec.size && c.status?.observedGeneration === c.metadata.generation && c;
  }, { timeoutMs, intervalMs });
}

/** The cluster's pods, Services, PDB and PVCs still in the namespace. */
export function objectsLeft(ns: string, name: string): string[] {
  return kubectl(['get', 'pods,services,pdb,pvc', '-n', ns, '-l', `etcd.operator.dev/cluster=${name}`, '-o', 'name']).split('\n').filter(Boolean);
}

/** Pod name -> UID of the cluster's pods. */
export function podUids(ns: string, name: string): Map<string, string> {
  const pods = kubectlJson<{ items: { metadata: { name: string; uid: string } }[] }>(['get', 'pods', '-n', ns, '-l', `etcd.operator.dev/cluster=${name}`]);
  return new Map(pods.items.map((p) => [p.metadata.name, p.metadata.uid]));
}

/**
 * Converged at `size`: Available at the current generation, exactly `size` members, all healthy
 * voters, no learner, and the member list equal to the cluster's pods.
 */
export async function waitConverged(ns: string, name: string, size: number, timeoutMs = 180_000, intervalMs = 1000): Promise<Cluster> {
  return waitFor(`${name} converged at ${size}`, async () => {
    const c = await readCluster(ns, name);
    const members = c.status?.members ?? [];
    if (!available(c) || c.status?.observedGeneration !== c.metadata.generation || c.status?.readyMembers !== size) return false;
    if (members.length !== size || !members.every((m) => m.healthy && !m.learner)) return false;
    const pods = (await kube().listPods(ns, `etcd.operator.dev/cluster=${name}`)).map((p) => p.metadata!.name!).sort();
    return pods.join() === members.map((m) => m.name).sort().join() && c;
  }, { timeoutMs, intervalMs });
}

/** Event reasons recorded for the cluster, oldest first. */
export function eventReasons(ns: string, name: string): string[] {
  const list = kubectlJson<{ items: { reason: string; lastTimestamp?: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name}`]);
  return list.items.map((e) => e.reason);
}

/**
 * The messages of the object's Events with this reason once one matches `message`. An operation
 * records its Event after the status it waits on (a Failed phase, Available), so reading the Events
 * at once can run before the Event is written.
 */
export async function waitEvent(ns: string, name: string, reason: string, message: RegExp, timeoutMs = 30_000): Promise<string> {
  return waitFor(`an Event ${reason} of ${name} matching ${message}`, () => {
    const messages = kubectl(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`, '-o', 'jsonpath={.items[*].message}']);
    return message.test(messages) && messages;
  }, { timeoutMs, intervalMs: 250 });
}
