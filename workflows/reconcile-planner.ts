// The reconcile loop's planner: desired spec + what etcd and Kubernetes hold -> the one next step
// and why. Pure (the cluster workflow imports it), table-tested in test/unit/reconcile-planner.test.ts.
// Order of concern: never lose data or quorum; repair before resizing; one membership change at a time.
import { lowestVersion } from '../k8s/versions.ts';
import type { ClusterObservation, MemberChange, ObservedMember, ObservedPod } from '../domain/types.ts';
import { CRASH_LOOP_RESTARTS, freshMemberName, leaderLast, memberIndex, podOutdated, quorumOf } from '../domain/members.ts';
import { nodeNotReadyNote, strandedReason } from '../domain/placement.ts';

export interface DesiredMembers {
  size: number;
  emptyDir: boolean;
  /** The version, image and pod template hash members should run (unset: pods are never rolled). */
  version?: string;
  image?: string;
  podTemplateHash?: string;
  /** spec.auth.enabled (unset: authentication is left as it is). */
  authEnabled?: boolean;
  /** spec.recovery.nodeLossGracePeriodSeconds (unset: the default). */
  nodeLossGraceSeconds?: number;
}

export type Decision =
  | { kind: 'converged'; reason: string }
  /** Nothing safe to do now; observe again after a while. */
  | { kind: 'wait'; reason: string; quorumLost: boolean }
  | { kind: 'operate'; change: MemberChange; reason: string }
  /** A majority of voters lost its data: only a restore from a backup brings the cluster back (after approval or by policy). */
  | { kind: 'recover'; reason: string; lost: string[] };

const isGone = (pod: ObservedPod | undefined) => !pod || pod.phase === 'Failed' || pod.phase === 'Succeeded';
const isBroken = (pod: ObservedPod | undefined) => Boolean(pod && !pod.ready && pod.crashLooping && pod.restarts >= CRASH_LOOP_RESTARTS);
const byIndexDesc = (cluster: string) => (a: ObservedMember, b: ObservedMember) => (memberIndex(cluster, b.name) ?? -1) - (memberIndex(cluster, a.name) ?? -1);

export function planNext(cluster: string, desired: DesiredMembers, o: ClusterObservation): Decision {
  const pods = new Map(o.pods.map((p) => [p.name, p]));
  const volumes = new Set(o.volumes);
  const hasData = (name: string) => !desired.emptyDir && volumes.has(name);

  if (!o.reachable) {
    // No member answers: membership is unknown. Starting a member again on its own volume is
    // always safe; anything else waits.
    const restart = [...volumes].sort().find((v) => isGone(pods.get(v)));
    if (restart && !desired.emptyDir) return { kind: 'operate', change: { type: 'RestartMember', member: restart }, reason: `no member answers; member ${restart} has no running pod, restarting it on its volume` };
    // Nothing left at all (no pod, no volume) of a cluster that existed: every member lost its data.
    if (o.bootstrapped && !o.pods.length && !volumes.size) return { kind: 'recover', reason: 'quorum lost for good: every member lost its data (no pod, no volume left)', lost: [] };
    return { kind: 'wait', reason: 'no etcd member answers', quorumLost: true };
  }

  const voters = o.members.filter((m) => !m.learner);
  const learners = o.members.filter((m) => m.learner);
  const healthyVoters = voters.filter((m) => m.healthy);
  // A member whose node is lost, or whose volume is on a lost or drained node, cannot come back where it is.
  const stranded = (m: ObservedMember) => strandedReason(m, pods.get(m.name), o, desired.nodeLossGraceSeconds);

  // 1. A member whose pod is gone but whose data is on its volume: same member, same data, no membership change.
  for (const m of [...o.members].sort((a, b) => a.name.localeCompare(b.name))) {
    if (isGone(pods.get(m.name)) && !pods.get(m.name)?.terminating && hasData(m.name) && !stranded(m)) {
      return { kind: 'operate', change: { type: 'RestartMember', member: m.name }, reason: `member ${m.name} has no running pod; its data is on its volume` };
    }
  }

  // 2. Without quorum nothing else is safe (no membership change can commit). When a majority of
  // voters lost its data, waiting cannot help: the cluster needs a restore.
  if (!o.quorum || healthyVoters.length < quorumOf(voters.length)) {
    const lost = voters.filter((m) => isGone(pods.get(m.name)) && !pods.get(m.name)?.terminating && !hasData(m.name)).map((m) => m.name).sort();
    if (voters.length - lost.length < quorumOf(voters.length)) {
      return { kind: 'recover', reason: `quorum lost for good: ${lost.length} of ${voters.length} voters lost their data (${lost.join(', ')})`, lost };
    }
    return { kind: 'wait', reason: `quorum lost: ${healthyVoters.length}/${voters.length} voters healthy`, quorumLost: true };
  }

  // 3. Learners exist only while a member joins: finish the join when the cluster still needs it,
  // otherwise (or when the learner lost its data) take it out again.
  for (const l of learners) {
    const pod = pods.get(l.name);
    const dataLost = (l.started && ((isGone(pod) && !hasData(l.name)) || isBroken(pod))) || Boolean(stranded(l));
    if (!dataLost && voters.length < desired.size) {
      return { kind: 'operate', change: { type: 'Scale', action: 'add', member: l.name, votersAfter: voters.length + 1, size: desired.size }, reason: `learner ${l.name} is still joining` };
    }
    return { kind: 'operate', change: { type: 'Scale', action: 'remove', member: l.name, votersAfter: voters.length, size: desired.size }, reason: dataLost ? `learner ${l.name} lost its data` : `learner ${l.name} is not needed at size ${desired.size}` };
  }

  // 4. A voter whose data is gone (no volume, emptyDir pod gone, or crash-looping), or that cannot
  // come back where it is (lost or drained node): replace it, but only if the others keep quorum
  // once it is removed. One at a time: several lost nodes are repaired one after the other.
  for (const m of [...voters].sort((a, b) => a.name.localeCompare(b.name))) {
    const pod = pods.get(m.name);
    const lost = isGone(pod) && !pod?.terminating && !hasData(m.name);
    const broken = isBroken(pod);
    const away = !lost && !broken ? stranded(m) : undefined;
    if (!lost && !broken && !away) continue;
    const why = lost ? (desired.emptyDir ? 'its emptyDir pod is gone' : 'its volume is gone') : broken ? `its pod is crash-looping (${pod!.restarts} restarts)` : away!;
    const others = healthyVoters.filter((v) => v.id !== m.id).length;
    if (others < quorumOf(voters.length - 1)) {
      return { kind: 'wait', reason: `member ${m.name} must be replaced (${why}), but removing it now would lose quorum (${others} healthy of ${voters.length - 1})`, quorumLost: false };
    }
    const what = away ? 'cannot come back where it is' : 'lost its data';
    return { kind: 'operate', change: { type: 'ReplaceMember', member: m.name, replacement: freshMemberName(cluster, o.highestIndex) }, reason: `member ${m.name} ${what}: ${why}` };
  }

  // 5. Pods (and volumes) of this cluster that are not members: left over from a removal cut short.
  const memberNames = new Set(o.members.map((m) => m.name));
  const stray = [...o.pods.filter((p) => !p.terminating).map((p) => p.name), ...volumes].filter((n) => !memberNames.has(n)).sort()[0];
  if (stray) return { kind: 'operate', change: { type: 'Scale', action: 'remove', member: stray, votersAfter: voters.length, size: desired.size }, reason: `${stray} is not an etcd member: removing its leftovers` };

  // 6. A NOSPACE alarm makes the cluster refuse writes: compact, defragment, disarm (needs every voter answering).
  const noSpace = (o.alarms ?? []).filter((a) => a.alarm === 'NOSPACE');
  if (noSpace.length && healthyVoters.length === voters.length) {
    return { kind: 'operate', change: { type: 'Defrag', members: leaderLast(voters), noSpace: true }, reason: `NOSPACE alarm on ${[...new Set(noSpace.map((a) => a.member))].sort().join(', ')}: the backend reached spec.options.quotaBackendBytes and refuses writes; compacting, defragmenting and disarming` };
  }

  // 7. Size.
  if (voters.length < desired.size) {
    const member = freshMemberName(cluster, o.highestIndex);
    return { kind: 'operate', change: { type: 'Scale', action: 'add', member, votersAfter: voters.length + 1, size: desired.size }, reason: `scaling ${voters.length} -> ${desired.size}: adding ${member}` };
  }
  if (voters.length > desired.size) {
    // Unhealthy members first, then followers (newest first), the leader last.
    const victim = [...voters.filter((m) => !m.healthy), ...voters.filter((m) => m.healthy && !m.leader).sort(byIndexDesc(cluster)), ...voters.filter((m) => m.healthy && m.leader)][0]!;
    const remaining = healthyVoters.filter((v) => v.id !== victim.id).length;
    if (remaining < quorumOf(voters.length - 1)) {
      return { kind: 'wait', reason: `scaling ${voters.length} -> ${desired.size} waits: removing ${victim.name} now would lose quorum`, quorumLost: false };
    }
    return { kind: 'operate', change: { type: 'Scale', action: 'remove', member: victim.name, votersAfter: voters.length - 1, size: desired.size }, reason: `scaling ${voters.length} -> ${desired.size}: removing ${victim.name}${victim.leader ? ' (the leader, after moving leadership)' : ''}` };
  }

  // 8. Right size: every member must be a healthy voter before anything is restarted.
  const unhealthy = voters.filter((m) => !m.healthy).map((m) => {
    const note = nodeNotReadyNote(pods.get(m.name), o, desired.nodeLossGraceSeconds);
    return note ? `${m.name} (${note})` : m.name;
  });
  if (unhealthy.length) return { kind: 'wait', reason: `waiting for ${unhealthy.join(', ')} to become healthy`, quorumLost: false };

  // 9. Members whose pod is out of date (version, resources, scheduling, flags...): one rolling operation.
  const outdated = voters.filter((m) => { const p = pods.get(m.name); return p && !p.terminating && podOutdated(p, desired); });
  if (outdated.length && desired.podTemplateHash) {
    const order = leaderLast(outdated);
    const running = lowestVersion(outdated.map((m) => m.version).filter((v): v is string => Boolean(v)));
    const upgrade = desired.version && outdated.some((m) => m.version && m.version !== desired.version);
    const what = upgrade ? `etcd ${running} -> ${desired.version}` : 'the member pod changed';
    if (desired.emptyDir) {
      // An emptyDir member restarted in place would come back without its data: replace it instead.
      const member = order[0]!;
      return { kind: 'operate', change: { type: 'ReplaceMember', member, replacement: freshMemberName(cluster, o.highestIndex) }, reason: `rolling update (${what}): ${member} runs an outdated pod; emptyDir members are replaced, not restarted (${outdated.length} left)` };
    }
    const reason = `${what}: ${order.length}/${voters.length} members to restart (${order.join(', ')})`;
    return upgrade
      ? { kind: 'operate', change: { type: 'Upgrade', from: running!, to: desired.version!, members: order, templateHash: desired.podTemplateHash }, reason }
      : { kind: 'operate', change: { type: 'RollingUpdate', members: order, templateHash: desired.podTemplateHash }, reason };
  }
  // 10. Authentication on or off as spec.auth says (only once everything else is in place; unknown: leave it).
  if (desired.authEnabled !== undefined && o.authEnabled !== undefined && desired.authEnabled !== o.authEnabled) {
    return { kind: 'operate', change: { type: 'ConfigureAuth', enable: desired.authEnabled }, reason: desired.authEnabled ? 'spec.auth.enabled is true: turning authentication on' : 'spec.auth.enabled is false: turning authentication off' };
  }
  // 11. The root Secret was changed (or deleted: a new random password): root's password follows it.
  if (desired.authEnabled === true && o.authEnabled === true && o.rootPasswordChanged) {
    return { kind: 'operate', change: { type: 'ConfigureAuth', enable: true }, reason: "the root Secret's password is not the one etcd has: changing root's password" };
  }
  return { kind: 'converged', reason: `${voters.length} healthy voters` };
}
