// The membership steps operations share, each one activity in etcd's safe order. Every activity
// looks before it acts, so a step repeated after a worker crash finds its own earlier effect.
import { patched } from '@temporalio/workflow';
import { failureType } from '../domain/failures.ts';
import { etcd, kubeBounded, poll } from './activity-proxies.ts';
import type { Progress } from './progress.ts';
import type { ClusterKey } from '../domain/types.ts';

/** Since 0.2.0 a joining member's pod comes first and waits at its join gate until etcd has the member. */
export const JOIN_GATE_PATCH = 'join-gate';

/** A join's step Event, when the operation records its steps (member repairs do). */
const joining = (events: boolean, message: string) => (events ? { reason: 'MemberJoining', message } : undefined);

/**
 * Joins `member`: its pod (held at its join gate), then the learner (it cannot vote, so quorum is
 * untouched) and the gate opened, catch-up, then promotion.
 */
export async function joinMember(key: ClusterKey, progress: Progress, member: string, votersAfter: number, events = false, podStarted = false): Promise<void> {
  const ev = (message: string) => joining(events, message);
  if (patched(JOIN_GATE_PATCH)) {
    if (!podStarted) await startJoiningPod(key, progress, member, events);
    await progress.step(`AddLearner ${member}`, ev(`Adding ${member} as a learner`));
    // A poll: it waits for the pod's address first, as long as any other wait for a member's pod.
    await poll.addLearner(key, member, { openJoinGate: true });
  } else {
    await progress.step(`AddLearner ${member}`, ev(`Adding ${member} as a learner`));
    const { initialMembers } = await etcd.addLearner(key, member);
    await progress.step(`StartMember ${member}`, ev(`Starting ${member} (joins the existing cluster)`));
    await kubeBounded.applyMember(key, { member, initialMembers, state: 'existing' });
  }
  await progress.step(`WaitCaughtUp ${member}`);
  await poll.checkLearnerCaughtUp(key, member);
  await progress.step(`Promote ${member}`, ev(`Promoting ${member} to a voting member`));
  await poll.promoteLearner(key, member); // etcd refuses while the learner lags: polled
  await progress.step(`WaitHealthy ${member}`);
  await poll.checkMemberHealthy(key, member);
  await kubeBounded.applyDisruptionBudget(key, votersAfter);
}

/**
 * A joining member's pod, held at its join gate until etcd has the member: its volume is provisioned
 * and the pod scheduled meanwhile. Since the join gate (JOIN_GATE_PATCH).
 */
export async function startJoiningPod(key: ClusterKey, progress: Progress, member: string, events = false): Promise<void> {
  await progress.step(`StartMember ${member}`, joining(events, `Starting ${member} (it waits until etcd has it)`));
  await kubeBounded.applyMember(key, { member, initialMembers: [], state: 'existing', joinGate: true });
}

/**
 * Removes `member`: leadership moved away first if it leads, then out of etcd (so no quorum
 * counts on it), then its pod, then its volume (kept and marked with `retainVolume`).
 */
export async function removeMember(key: ClusterKey, progress: Progress, member: string, votersAfter: number, retainVolume: boolean, events = false): Promise<void> {
  const ev = (message: string) => (events ? { reason: 'MemberRemoving', message } : undefined);
  await progress.step(`RemoveMember ${member}`, ev(`Removing ${member} from the etcd membership`));
  // Leadership can come back between the move and the removal: move again, a few times.
  for (let attempt = 1; ; attempt++) {
    const newLeader = await etcd.moveLeaderAway(key, member);
    if (newLeader) await progress.step(`MovedLeader ${member} -> ${newLeader}`);
    try {
      await etcd.removeMember(key, member);
      break;
    } catch (err) {
      if (failureType(err) !== 'IsLeader' || attempt >= 5) throw err;
    }
  }
  await kubeBounded.applyDisruptionBudget(key, votersAfter);
  await progress.step(`DeletePod ${member}`);
  await kubeBounded.deleteMemberPod(key, member);
  await poll.waitMemberPodGone(key, member);
  await progress.step(`ReleaseVolume ${member}`);
  await kubeBounded.releaseMemberVolume(key, member, retainVolume);
}
