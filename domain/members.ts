// Members in the domain's own terms, shared by the workflows (the planner) and the activities:
// names and indexes, quorum arithmetic, and when a pod is outdated or broken. Pure.
import type { ObservedMember, ObservedPod } from './types.ts';

/** Container restarts after which a member that is not ready counts as broken (its data dir is unusable). */
export const CRASH_LOOP_RESTARTS = 3;

/** Votes needed for a majority of `voters` members. */
export const quorumOf = (voters: number): number => Math.floor(voters / 2) + 1;

/** `db-7` -> 7 for cluster `db`; undefined for a name that is not one of ours. */
export function memberIndex(cluster: string, name: string): number | undefined {
  if (!name.startsWith(`${cluster}-`)) return undefined;
  const rest = name.slice(cluster.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

/** A member's name from its peer URL (`http://db-3.db.ns.svc:2380` -> `db-3`): an added member has no name until it starts. */
export const nameFromPeerURL = (peerURL: string): string => /^[a-z]+:\/\/([^.:/]+)/.exec(peerURL)?.[1] ?? '';

/** The next member name: above every index any pod, volume or member ever had, so no name is reused. */
export const freshMemberName = (cluster: string, highestIndex: number): string => `${cluster}-${highestIndex + 1}`;

/** What a pod should run; compared by podOutdated. */
export interface DesiredPod {
  /** The image and pod template hash members should run (unset: pods are never rolled). */
  image?: string;
  podTemplateHash?: string;
}

/**
 * Whether a member's pod differs from the desired one. Pods made before pod template hashes existed
 * are judged by their image only: restarting every member because of an operator upgrade would be
 * a surprise.
 */
export function podOutdated(pod: Pick<ObservedPod, 'templateHash' | 'image'>, desired: DesiredPod): boolean {
  if (!desired.podTemplateHash) return false;
  return pod.templateHash ? pod.templateHash !== desired.podTemplateHash : Boolean(desired.image && pod.image && pod.image !== desired.image);
}

/** Followers by name, the leader last: the order rolling restarts and defragmentation visit members in. */
export const leaderLast = (members: readonly ObservedMember[]): string[] =>
  [...members].sort((a, b) => Number(a.leader) - Number(b.leader) || a.name.localeCompare(b.name)).map((m) => m.name);
