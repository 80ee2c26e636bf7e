// The reconcile loop's eyes: etcd's own view of its members (membership, who leads, who is healthy)
// and the Pods and PVCs Kubernetes holds for the cluster. Bounded in time, and never throws because
// etcd does not answer: a cluster without quorum is an observation.
import type { V1Pod } from '@kubernetes/client-node';
import { AlarmAction, AlarmType } from 'etcd3';
import { BOOTSTRAPPED_ANNOTATION, LABELS } from '../k8s/api.ts';
import { belongsTo, selectorString } from '../k8s/manifests/owner.ts';
import { ETCD_CONTAINER, POD_TEMPLATE_HASH } from '../k8s/manifests/member-pod.ts';
import { memberIndex, quorumOf } from '../domain/members.ts';
import type { ClusterKey, ClusterObservation, ObservedMember, ObservedPod } from '../domain/types.ts';
import { etcdAccess, hexId, podReady, wireMemberName, type EtcdAccess, type WireMember } from './etcd/client.ts';
import type { Kube } from '../k8s/kube-client.ts';
import { memberHealthy } from '../domain/health.ts';
import { fetchCluster } from './kube/cluster.ts';
import { authEnabledOf } from './etcd/auth.ts';
import { observePlacement, podNode } from './kube/placement.ts';

/** The first endpoint to answer a member list (linearizable needs a majority of voters). */
async function memberList(etcd: EtcdAccess, endpoints: string[], linearizable: boolean, timeoutMs: number): Promise<WireMember[] | undefined> {
  if (!endpoints.length) return undefined;
  try {
    return await Promise.any(endpoints.map((ep) => etcd.with(ep, async (c) => (await c.cluster.memberList({ linearizable })).members as WireMember[], timeoutMs)));
  } catch {
    return undefined;
  }
}

/**
 * The members (as one member knows them) when no quorum is within reach now: some voters answer, fewer
 * than a majority, and none of them knows a leader. Then a linearizable read can only time out, so
 * the observation need not wait for it. Undefined when that is not proved.
 */
async function quorumOutOfReach(etcd: EtcdAccess, endpoints: string[], timeoutMs: number): Promise<WireMember[] | undefined> {
  const [wire, statuses] = await Promise.all([
    memberList(etcd, endpoints, false, timeoutMs),
    Promise.all(endpoints.map((ep) => etcd.with(ep, (c) => c.maintenance.status(), timeoutMs).catch(() => undefined))),
  ]);
  if (!wire) return undefined;
  const voters = new Set(wire.filter((m) => !m.isLearner).map((m) => m.ID));
  const answering = statuses.filter((st) => st !== undefined && voters.has(st.header.member_id));
  // Nobody answering proves nothing (a status call can fail where a member list does not).
  const proved = answering.length > 0 && answering.length < quorumOf(voters.size) && answering.every((st) => st!.leader === '0');
  return proved ? wire : undefined;
}

/** A quorum answers a linearizable member list within milliseconds: only a slower one is looked into. */
const QUORUM_ANSWERS_MS = 250;

/**
 * The member list and whether a quorum answered it: a linearizable list, or, as soon as it is
 * proved out of reach (quorumOutOfReach, asked only when the list has not answered within
 * QUORUM_ANSWERS_MS), no quorum without waiting for that list to time out; when neither is
 * proved, the list as any one member knows it.
 */
export async function membersAndQuorum(etcd: EtcdAccess, endpoints: string[], timeoutMs: number): Promise<{ wire?: WireMember[]; quorum: boolean }> {
  const proved = (p: Promise<{ wire: WireMember[]; quorum: boolean } | undefined>) => p.then((r) => r ?? Promise.reject(new Error('not proved')));
  const linearizable = memberList(etcd, endpoints, true, timeoutMs).then((wire) => wire && { wire, quorum: true });
  const slow = await Promise.race([linearizable.then(() => false), new Promise<boolean>((r) => { setTimeout(() => r(true), QUORUM_ANSWERS_MS).unref(); })]);
  const outOfReach = slow ? quorumOutOfReach(etcd, endpoints, timeoutMs).then((wire) => wire && { wire, quorum: false }) : Promise.resolve(undefined);
  const first = await Promise.any([proved(linearizable), proved(outOfReach)]).catch(() => undefined);
  return first ?? { wire: await memberList(etcd, endpoints, false, timeoutMs), quorum: false };
}

/** NOSPACE, CORRUPT: the wire may carry the enum's number or its name. */
export const alarmName = (a: unknown): string => String(typeof a === 'number' ? AlarmType[a] : a).toUpperCase();

/** The alarms etcd has raised (NOSPACE, CORRUPT), by member name; none when nobody answers. */
async function alarmsOf(etcd: EtcdAccess, endpoints: string[], wire: WireMember[], timeoutMs: number): Promise<{ member: string; alarm: string }[]> {
  try {
    const res = await Promise.any(endpoints.map((ep) => etcd.with(ep, (c) => c.maintenance.alarm({ action: AlarmAction.Get, memberID: '0', alarm: AlarmType.None }), timeoutMs)));
    const names = new Map(wire.map((m) => [m.ID, wireMemberName(m)]));
    return (res.alarms ?? []).map((a) => ({ member: names.get(a.memberID) ?? hexId(a.memberID), alarm: alarmName(a.alarm) }))
      .sort((a, b) => a.member.localeCompare(b.member) || a.alarm.localeCompare(b.alarm));
  } catch {
    return [];
  }
}

export function observePod(p: V1Pod): ObservedPod {
  const cs = p.status?.containerStatuses?.find((c) => c.name === ETCD_CONTAINER);
  const container = p.spec?.containers?.find((c) => c.name === ETCD_CONTAINER);
  const waiting = cs?.state?.waiting?.reason;
  const exitedBadly = (cs?.state?.terminated?.exitCode ?? 0) !== 0 || (!cs?.ready && (cs?.lastState?.terminated?.exitCode ?? 0) !== 0);
  return {
    name: p.metadata!.name!,
    uid: p.metadata!.uid ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready: podReady(p),
    terminating: Boolean(p.metadata?.deletionTimestamp),
    restarts: cs?.restartCount ?? 0,
    crashLooping: waiting === 'CrashLoopBackOff' || waiting === 'Error' || exitedBadly,
    ...(p.metadata?.annotations?.[POD_TEMPLATE_HASH] && { templateHash: p.metadata.annotations[POD_TEMPLATE_HASH] }),
    ...(container?.image && { image: container.image }),
    ...(podNode(p) && { node: podNode(p) }),
  };
}

export function observeActivities({ kube, callTimeoutMs = 2500, now = () => new Date() }: { kube: Kube; callTimeoutMs?: number; now?: () => Date }) {
  return {
    async observeCluster(key: ClusterKey): Promise<ClusterObservation> {
      const [etcd, pvcs] = await Promise.all([
        etcdAccess(kube, key),
        kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: selectorString(key.name) }).then((l) => l.items.filter((v) => belongsTo(v.metadata, key.uid))),
      ]);
      const { cluster: obj, pods, endpoints } = etcd;
      const eps = [...endpoints.values()];
      const { wire, quorum } = await membersAndQuorum(etcd, eps, callTimeoutMs);

      const members: ObservedMember[] = await Promise.all((wire ?? []).map(async (m): Promise<ObservedMember> => {
        const peerURL = m.peerURLs[0] ?? '';
        const name = wireMemberName(m);
        const base = { name, id: hexId(m.ID), peerURL, learner: Boolean(m.isLearner), started: m.clientURLs.length > 0 };
        const ep = endpoints.get(name);
        if (!ep) return { ...base, healthy: false, leader: false };
        try {
          const s = await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs);
          return { ...base, healthy: memberHealthy(s), leader: s.leader === m.ID, version: s.version, appliedIndex: Number(s.raftAppliedIndex ?? s.raftIndex) };
        } catch {
          return { ...base, healthy: false, leader: false };
        }
      }));

      const alarms = quorum ? await alarmsOf(etcd, eps, wire ?? [], callTimeoutMs) : [];
      const authEnabled = quorum ? await authEnabledOf(etcd, eps, callTimeoutMs) : undefined;
      const volumeMember = (v: (typeof pvcs)[number]) => v.metadata?.labels?.[LABELS.member] ?? '';
      const live = pvcs.filter((v) => !v.metadata?.deletionTimestamp && v.metadata?.labels?.[LABELS.removed] !== 'true');
      // Where members are is looked at only when one is unwell: a healthy cluster costs no node reads.
      const running = new Set(pods.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!));
      const unwell = members.some((m) => !m.healthy) || live.some((v) => !running.has(volumeMember(v)));
      const placement = unwell ? await observePlacement(kube, live, now()) : {};
      const indexes = [...pods.map((p) => p.metadata!.name!), ...pvcs.map(volumeMember), ...members.map((m) => m.name)]
        .map((n) => memberIndex(key.name, n)).filter((i): i is number => i !== undefined);
      return {
        reachable: wire !== undefined,
        quorum,
        members: members.sort((a, b) => a.name.localeCompare(b.name)),
        pods: pods.map(observePod).sort((a, b) => a.name.localeCompare(b.name)),
        volumes: live.map(volumeMember).filter(Boolean).sort(),
        highestIndex: Math.max(-1, ...indexes),
        bootstrapped: obj?.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === 'true',
        ...(alarms.length && { alarms }),
        ...(authEnabled !== undefined && { authEnabled }),
        ...(authEnabled && etcd.rootPasswordChanged && { rootPasswordChanged: true }),
        ...placement,
      };
    },

    /** Marks the EtcdCluster as bootstrapped: no member of it may ever start as `new` again. */
    async markBootstrapped(key: ClusterKey): Promise<void> {
      const obj = await fetchCluster(kube, key);
      if (!obj || obj.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === 'true') return;
      await kube.patchCluster(key.namespace, key.name, { metadata: { annotations: { [BOOTSTRAPPED_ANNOTATION]: 'true' } } });
    },
  };
}

