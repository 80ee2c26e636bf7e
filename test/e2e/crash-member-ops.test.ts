// The operator SIGKILLed at each activity boundary of scale-up, scale-down, member restart and
// member replacement on the local stack (the failpoint kills it right after the activity's effect,
// before Temporal hears of it), then a plain operator takes over. Every run must end with the
// membership equal to the spec: no duplicate or orphan member, and no member started as `new` again.
// One cluster walks up 1 -> 7 and back down, so each case costs one member step.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { clusterYaml, getCluster, waitConverged } from '../support/clusters.ts';
import { OperatorProcess } from '../support/operator.ts';
import { within } from '../support/wait.ts';

const NAME = 'cm';
// The n-th completion in a fresh operator process; the member operations run these once per step.
const scaleUp = ['applyMember', 'addLearner', 'checkLearnerCaughtUp', 'promoteLearner', 'checkMemberHealthy', 'applyDisruptionBudget'];
const scaleDown = ['moveLeaderAway', 'removeMember', 'applyDisruptionBudget', 'deleteMemberPod', 'waitMemberPodGone', 'releaseMemberVolume'];
const restart = ['applyMember', 'checkMemberHealthy'];
const replace = ['removeMember', 'deleteMemberPod', 'releaseMemberVolume', 'applyMember', 'addLearner', 'promoteLearner'];

interface PodList { items: { metadata: { name: string }; spec: { containers: { command: string[] }[] } }[] }

describe('operator killed at every activity boundary of scale, restart and replace', () => {
  let ns: string;
  let cleanup: () => void;
  let operator: OperatorProcess;
  let bundle: Record<string, string>;
  let bootstrapMembers: string[] = [];

  before(async () => {
    ensureStack();
    OperatorProcess.installCrds();
    bundle = OperatorProcess.prebuiltBundleEnv();
    ({ ns, cleanup } = tempNamespace('e2e-crash-ops'));
    operator = new OperatorProcess(ns);
    operator.start(bundle);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, { size: 1, storage: { size: '64Mi' } }));
    const c = await waitConverged(ns, NAME, 1);
    bootstrapMembers = c.status!.members!.map((m) => m.name);
    await operator.stop();
  });
  after(async () => {
    await operator.stop();
    operator.start(bundle);
    kubectl(['delete', 'etcdcluster', '-n', ns, NAME, '--wait=true', '--timeout=120s']);
    await operator.drain();
    await operator.stop();
    cleanup();
  });

  /** Arms the failpoint, triggers the change, waits for the crash, restarts plainly and checks the end state. */
  async function crashCase(failpoint: string, size: number, trigger: () => void): Promise<void> {
    operator.start({ ...bundle, ETCD_OPERATOR_FAILPOINTS: `crash-after:${failpoint}` });
    trigger();
    assert.equal(await within(180_000, `failpoint ${failpoint} (log: ${operator.logFile})`, operator.exited()), 'SIGKILL');
    operator.start(bundle);
    const c = await waitConverged(ns, NAME, size, 300_000);
    const members = c.status!.members!;
    assert.equal(new Set(members.map((m) => m.id)).size, size, 'no duplicate member');
    const pods = kubectlJson<PodList>(['get', 'pods', '-n', ns, '-l', `etcd.operator.dev/cluster=${NAME}`]).items;
    assert.deepEqual(pods.map((p) => p.metadata.name).sort(), members.map((m) => m.name).sort(), 'no orphan pod');
    for (const p of pods) {
      if (bootstrapMembers.includes(p.metadata.name)) continue;
      assert.ok(p.spec.containers[0]!.command.includes('--initial-cluster-state=existing'), `${p.metadata.name} joined, never bootstrapped`);
    }
    const pvcs = kubectl(['get', 'pvc', '-n', ns, '-l', `etcd.operator.dev/cluster=${NAME}`, '-o', 'name']).split('\n').filter(Boolean);
    assert.equal(pvcs.length, size, `one volume per member: ${pvcs}`);
    await operator.stop();
  }
  const setSize = (size: number) => () => { kubectl(['patch', 'etcdcluster', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size } })]); };
  const follower = () => getCluster(ns, NAME).status!.members!.find((m) => !m.leader)!.name;

  scaleUp.forEach((b, i) => {
    it(`scale-up ${i + 1} -> ${i + 2} survives a SIGKILL right after ${b}`, { timeout: 420_000 }, () => crashCase(b, i + 2, setSize(i + 2)));
  });
  scaleDown.forEach((b, i) => {
    const size = scaleUp.length + 1 - (i + 1);
    it(`scale-down ${size + 1} -> ${size} survives a SIGKILL right after ${b}`, { timeout: 420_000 }, () => crashCase(b, size, setSize(size)));
  });
  restart.forEach((b) => {
    it(`member restart (pod deleted) survives a SIGKILL right after ${b}`, { timeout: 420_000 }, () =>
      // At size 1 the only member goes: without quorum, restarting it on its volume is still safe.
      crashCase(b, 1, () => { kubectl(['delete', 'pod', '-n', ns, getCluster(ns, NAME).status!.members![0]!.name, '--wait=false']); }));
  });
  replace.forEach((b) => {
    it(`member replacement (PVC and pod deleted) survives a SIGKILL right after ${b}`, { timeout: 420_000 }, async () => {
      // Replacement needs quorum without the lost member: run these at 3 members.
      if (getCluster(ns, NAME).spec.size !== 3) {
        operator.start(bundle);
        setSize(3)();
        await waitConverged(ns, NAME, 3, 300_000);
        await operator.stop();
      }
      await crashCase(b, 3, () => {
        const victim = follower();
        kubectl(['delete', 'pvc', '-n', ns, `data-${victim}`, '--wait=false']);
        kubectl(['delete', 'pod', '-n', ns, victim, '--wait=false']);
      });
    });
  });
});
