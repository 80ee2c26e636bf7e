// etcd membership changes, one per activity, each looking before it acts so a retry (or a run
// after a worker crash) finds its own earlier effect instead of repeating it.
import { ApplicationFailure } from '@temporalio/activity';
import { LABELS, peerURL } from '../../k8s/api.ts';
import { initialCluster } from '../../k8s/manifests/initial-cluster.ts';
import { belongsTo } from '../../k8s/manifests/owner.ts';
import type { V1Pod } from '@kubernetes/client-node';
import { logSideEffect } from '../side-effects.ts';
import { CRASH_LOOP_RESTARTS, quorumOf } from '../../domain/members.ts';
import { ETCD_CONTAINER } from '../../k8s/manifests/member-pod.ts';
import { addressedPod, failIfJoinGateStuck, nudgeJoinGate, openJoinGate } from '../kube/join-gate.ts';
import { observePod } from '../observe.ts';
import { imagePullProblem } from './health.ts';
import { failIfUnschedulable } from '../kube/unschedulable.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { etcdAccess, hexId, servingEndpoints, wireMemberName as nameOf, type EtcdAccess, type WireMember } from './client.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { notYet } from '../not-yet.ts';

interface Live { etcd: EtcdAccess; endpoints: Map<string, string>; members: WireMember[]; leaderId: string }

/** A joining member's etcd accepts connections before it serves: asked briefly, as the wait asks again every 0.5 s. */
const JOINING_STATUS_TIMEOUT_MS = 1000;


export function membershipActivities({ kube, callTimeoutMs = 5000 }: { kube: Kube; callTimeoutMs?: number }) {
  /** Membership through a linearizable list (a majority answers), and who leads. */
  async function live(key: ClusterKey): Promise<Live> {
    const etcd = await etcdAccess(kube, key);
    const { endpoints } = etcd;
    if (!endpoints.size) throw notYet('no member pod has an address');
    try {
      return await etcd.with(servingEndpoints(etcd.pods, endpoints), async (c) => {
        const { members } = await c.cluster.memberList({ linearizable: true });
        const status = await c.maintenance.status();
        return { etcd, endpoints, members: members as WireMember[], leaderId: status.leader };
      }, callTimeoutMs);
    } catch (err) {
      throw notYet(`etcd does not answer a linearizable member list: ${(err as Error).message}`);
    }
  }
  async function unmarkLearnerPod(kube: Kube, key: ClusterKey, pod: V1Pod | undefined): Promise<void> {
    if (!pod?.metadata?.labels?.[LABELS.learner] || !belongsTo(pod.metadata, key.uid)) return;
    const metadata = { name: pod.metadata.name!, namespace: key.namespace };
    await kube.mergePatch({ apiVersion: 'v1', kind: 'Pod', metadata }, { metadata: { ...metadata, labels: { [LABELS.learner]: null } } });
  }
  const find = (l: Live, key: ClusterKey, member: string) =>
    l.members.find((m) => nameOf(m) === member || m.peerURLs.includes(peerURL(key.name, key.namespace, member, Boolean(l.etcd.creds.tls))));
  const statusOf = (l: Live, ep: string | undefined, timeoutMs = callTimeoutMs) => (ep ? l.etcd.with(ep, (c) => c.maintenance.status(), timeoutMs).catch(() => undefined) : Promise.resolve(undefined));

  /** `member` is a healthy voter (its own status) and the cluster answers a linearizable read; crash loops end the wait. */
  async function healthyVoter(key: ClusterKey, member: string) {
    // The pods first: a crash-looping member ends the wait even while etcd does not answer.
    const pod = (await etcdAccess(kube, key)).pods.find((p) => p.metadata?.name === member);
    await failIfUnschedulable(kube, key, pod);
    const seen = pod && observePod(pod);
    if (seen && seen.crashLooping && !seen.ready && seen.restarts >= CRASH_LOOP_RESTARTS) {
      throw ApplicationFailure.nonRetryable(`${member} is crash-looping (${seen.restarts} restarts): its data dir is unusable`, 'MemberCrashLooping');
    }
    const l = await live(key);
    const m = find(l, key, member);
    if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
    if (m.isLearner) throw notYet(`${member} is still a learner`);
    const s = await statusOf(l, l.endpoints.get(member));
    if (!s || s.leader === '0') throw notYet(`${member} is not serving yet`);
    try {
      await l.etcd.with(servingEndpoints(l.etcd.pods, l.etcd.endpoints), (c) => c.get('etcd-operator/linearizable-probe').string(), callTimeoutMs);
    } catch (err) {
      throw notYet(`linearizable read failed: ${(err as Error).message}`);
    }
    return { s };
  }

  return {
    /**
     * Adds `member` as a non-voting learner unless etcd already has it (a retry, or a crash after
     * the add). Returns its id and the names of every member, for the pod's --initial-cluster.
     * `openJoinGate`: its pod exists already, held at its join gate; the add waits until the pod's
     * address is published, and the gate is opened after it (the annotation written once).
     */
    async addLearner(key: ClusterKey, member: string, opts: { openJoinGate?: boolean } = {}): Promise<{ id: string; initialMembers: string[]; added: boolean }> {
      // A gated pod (MemberPlan.joinGate) first gets the address its peers will look up.
      const gated = opts.openJoinGate ? await addressedPod(kube, key, member) : undefined;
      const l = await live(key);
      let m = find(l, key, member);
      const added = !m;
      if (!m) {
        try {
          m = (await l.etcd.with(servingEndpoints(l.etcd.pods, l.etcd.endpoints), (c) => c.cluster.memberAdd({ peerURLs: [peerURL(key.name, key.namespace, member, Boolean(l.etcd.creds.tls))], isLearner: true }), callTimeoutMs)).member as WireMember;
        } catch (err) {
          // e.g. "unhealthy cluster" right after a member started, or too many learners: retried.
          throw notYet(`adding learner ${member}: ${(err as Error).message}`);
        }
        logSideEffect('added a learner to etcd', key, { member, memberId: hexId(m.ID) });
      }
      const initialMembers = [...new Set([...l.members.map(nameOf), member])].filter(Boolean).sort();
      if (gated) await openJoinGate(kube, key, gated, initialCluster(key.name, key.namespace, initialMembers, Boolean(l.etcd.creds.tls)));
      return { id: hexId(m.ID), initialMembers, added };
    },

    /** Poll: the learner's applied index is within 10% of the leader's (etcd's own bar for promotion), or it is a voter already. */
    async checkLearnerCaughtUp(key: ClusterKey, member: string): Promise<void> {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
      if (!m.isLearner) return;
      const pod = l.etcd.pods.find((p) => p.metadata?.name === member);
      await failIfUnschedulable(kube, key, pod);
      failIfJoinGateStuck(pod);
      await nudgeJoinGate(kube, key, pod);
      const leader = l.members.find((x) => x.ID === l.leaderId);
      const [ls, ms] = await Promise.all([statusOf(l, leader && l.endpoints.get(nameOf(leader))), statusOf(l, l.endpoints.get(member), JOINING_STATUS_TIMEOUT_MS)]);
      if (!ms) {
        // With auth on a learner cannot be asked: it refuses Authenticate, and a simple token is only
        // good on the member that issued it. etcd's own promote check (in sync with the leader) decides.
        if (l.etcd.authOn) return;
        throw notYet(`learner ${member} does not answer yet`);
      }
      if (!ls) throw notYet('the leader does not answer');
      const lead = Number(ls.raftAppliedIndex ?? ls.raftIndex);
      const mine = Number(ms.raftAppliedIndex ?? ms.raftIndex);
      if (mine < lead * 0.9) throw notYet(`learner ${member} at index ${mine}, leader at ${lead}`);
    },

    /** Makes the learner a voter; a voter already is success. etcd refuses while it lags: retried. */
    async promoteLearner(key: ClusterKey, member: string): Promise<void> {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) throw ApplicationFailure.nonRetryable(`${member} is not an etcd member`, 'NotAMember');
      if (m.isLearner) {
        try {
          await l.etcd.with(servingEndpoints(l.etcd.pods, l.etcd.endpoints), (c) => c.cluster.memberPromote({ ID: m.ID }), callTimeoutMs);
        } catch (err) {
          throw notYet(`promoting ${member}: ${(err as Error).message}`);
        }
        logSideEffect('promoted a learner to voter', key, { member });
      }
      // A voter now: its pod counts in the PodDisruptionBudget (a repeat after a crash finishes this).
      await unmarkLearnerPod(kube, key, l.etcd.pods.find((p) => p.metadata?.name === member));
    },

    /**
     * If `member` leads, hands leadership to the healthy voter furthest ahead (one of `prefer` if any), and returns its
     * name; a member that does not lead is left alone. The request goes to the leader itself.
     */
    async moveLeaderAway(key: ClusterKey, member: string, prefer: string[] = []): Promise<string | undefined> {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m || m.ID !== l.leaderId) return undefined;
      const others = l.members.filter((x) => !x.isLearner && x.ID !== m.ID);
      if (!others.length) return undefined; // a single voter: nobody to hand over to (its restart is an outage anyway)
      const candidates = await Promise.all(others.map(async (x) => ({ x, s: await statusOf(l, l.endpoints.get(nameOf(x))) })));
      // `prefer` first (during a rolling upgrade: members already restarted, so leadership moves once).
      const preferred = (c: (typeof candidates)[number]) => Number(prefer.includes(nameOf(c.x)));
      const target = candidates.filter((c) => c.s && c.s.leader !== '0')
        .sort((a, b) => preferred(b) - preferred(a) || Number(b.s!.raftAppliedIndex ?? 0) - Number(a.s!.raftAppliedIndex ?? 0))[0];
      if (!target) throw notYet(`no healthy voter to take leadership from ${member}`);
      const ep = l.endpoints.get(member);
      if (!ep) throw notYet(`leader ${member} has no address`);
      try {
        await l.etcd.with(ep, (c) => c.maintenance.moveLeader({ targetID: target.x.ID }), callTimeoutMs);
      } catch (err) {
        throw notYet(`moving leadership from ${member} to ${nameOf(target.x)}: ${(err as Error).message}`);
      }
      logSideEffect('moved leadership', key, { from: member, to: nameOf(target.x) });
      return nameOf(target.x);
    },

    /**
     * Removes `member` from etcd; "not a member" is success. Refuses to remove the leader (move
     * leadership first) and to remove a voter when the rest would not keep a healthy majority.
     */
    async removeMember(key: ClusterKey, member: string): Promise<'removed' | 'absent'> {
      const l = await live(key);
      const m = find(l, key, member);
      if (!m) return 'absent';
      if (m.ID === l.leaderId) throw ApplicationFailure.retryable(`${member} leads the cluster: move leadership first`, 'IsLeader');
      if (!m.isLearner) {
        const others = l.members.filter((x) => !x.isLearner && x.ID !== m.ID);
        const healthy = (await Promise.all(others.map((x) => statusOf(l, l.endpoints.get(nameOf(x)))))).filter((s) => s && s.leader !== '0').length;
        if (healthy < quorumOf(others.length)) {
          throw ApplicationFailure.nonRetryable(`removing ${member} would lose quorum: ${healthy} of the other ${others.length} voters are healthy`, 'UnsafeRemoval');
        }
      }
      try {
        await l.etcd.with(servingEndpoints(l.etcd.pods, l.etcd.endpoints), (c) => c.cluster.memberRemove({ ID: m.ID }), callTimeoutMs);
      } catch (err) {
        if (/member not found/i.test((err as Error).message)) return 'absent';
        throw notYet(`removing ${member}: ${(err as Error).message}`);
      }
      logSideEffect('removed a member from etcd', key, { member });
      return 'removed';
    },

    /**
     * Poll: `member` is a healthy voter and the cluster answers a linearizable read. A member whose
     * pod crash-loops past the threshold will not get healthy by waiting: that ends the wait at once.
     */
    async checkMemberHealthy(key: ClusterKey, member: string): Promise<void> {
      await healthyVoter(key, member);
    },

    /**
     * Poll: after a rolling restart, `member` runs its new pod (ready), is a healthy voter, and
     * reports the etcd version of that pod's image; the cluster answers a linearizable read.
     * Returns the version. A new pod that crash-loops or cannot pull its image fails at once.
     */
    async checkMemberUpdated(key: ClusterKey, member: string): Promise<string> {
      const pod = (await etcdAccess(kube, key)).pods.find((p) => p.metadata?.name === member && !p.metadata.deletionTimestamp);
      if (!pod) throw notYet(`the new pod of ${member} does not exist yet`);
      const pull = imagePullProblem(pod);
      if (pull) throw ApplicationFailure.nonRetryable(pull, 'ImagePull');
      const { s } = await healthyVoter(key, member);
      const image = pod.spec?.containers.find((c) => c.name === ETCD_CONTAINER)?.image ?? '';
      const expected = /:v?([0-9]+\.[0-9]+\.[0-9]+)$/.exec(image)?.[1];
      if (expected && s.version !== expected) throw notYet(`${member} reports etcd ${s.version}, its image is ${expected}`);
      if (!observePod(pod).ready) throw notYet(`the new pod of ${member} is not ready yet`);
      return s.version;
    },
  };
}
