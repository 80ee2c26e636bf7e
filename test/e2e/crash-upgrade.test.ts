// The operator SIGKILLed at every activity boundary of a rolling upgrade (the failpoint kills it right
// after the activity's effect, before Temporal hears of it), one boundary per operator run, chained
// through one upgrade of a 3-member cluster: the checks and backup, every step of the first member,
// and the leader's leadership move (the last member). The upgrade must complete with the same
// members, every member restarted exactly once, one backup, and every key written before.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { clusterYaml, waitConverged } from '../support/clusters.ts';
import { bucket, createS3Secret, listBackups, readKeys, writeKeys } from '../support/backups.ts';
import { OperatorProcess } from '../support/operator.ts';
import { waitFor, within } from '../support/wait.ts';
import { clientServiceEndpoint } from '../support/writer.ts';
import { watchPodCreations } from '../support/pod-creations.ts';

const NAME = 'cu';
const KEYS = 300;
/** Failpoints in the order the upgrade reaches them; each arms a fresh operator run (counts start over). */
const chain = [
  'checkUpgradePath', 'checkImagePulls', 'createUpgradeBackup', 'checkBackupDone',
  // the first member (a follower): every step but the leadership move, a no-op for a follower
  'memberPodOutdated', 'checkClusterReady', 'deleteOutdatedMemberPod', 'waitMemberPodGone', 'applyMember', 'checkMemberUpdated',
  // the next run goes through the second member, then moves leadership off the last one, the leader
  'moveLeaderAway#2',
];

interface Status { members?: { name: string; id: string; version?: string; leader: boolean }[]; lastOperation?: { type: string; result: string; message?: string }; operation?: unknown }
const status = (ns: string) => kubectlJson<{ status?: Status }>(['get', 'etcdclusters.etcd.operator.dev', '-n', ns, NAME]).status;

describe('operator killed at every activity boundary of a rolling upgrade', () => {
  let ns: string;
  let cleanup: () => void;
  let operator: OperatorProcess;
  let bundle: Record<string, string>;

  before(async () => {
    ensureStack();
    OperatorProcess.installCrds();
    bundle = OperatorProcess.prebuiltBundleEnv();
    ({ ns, cleanup } = tempNamespace('e2e-crash-up'));
    const secret = createS3Secret(ns);
    operator = new OperatorProcess(ns);
    operator.start(bundle);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, {
      size: 3, version: '3.5.35', storage: { size: '64Mi' },
      backup: { schedule: '0 0 1 1 *', retention: 3, destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } } },
    }));
    await waitConverged(ns, NAME, 3);
    await writeKeys(clientServiceEndpoint(ns, NAME), 'k', KEYS);
    await operator.stop();
  });
  after(async () => {
    await operator.stop();
    operator.start(bundle);
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=120s']);
    kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=180s']);
    await operator.drain();
    await operator.stop();
    cleanup();
  });

  it(`3.5.35 -> 3.6.16 survives ${chain.length} SIGKILLs, one after each boundary: same members, each restarted once, one backup, every key`, { timeout: 1_200_000 }, async (t) => {
    const creations = await watchPodCreations(ns, /^cu-\d+$/);
    t.after(() => creations.stop());
    const ids = status(ns)!.members!.map((m) => `${m.name}=${m.id}`).sort();
    const leader = status(ns)!.members!.find((m) => m.leader)!.name;
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { version: '3.6.16' } })]);
    for (const [i, failpoint] of chain.entries()) {
      operator.start({ ...bundle, ETCD_OPERATOR_FAILPOINTS: `crash-after:${failpoint}` });
      assert.equal(await within(180_000, `failpoint #${i} ${failpoint} (log: ${operator.logFile})`, operator.exited()), 'SIGKILL');
    }
    assert.match(readFileSync(operator.logFile, 'utf8'), /failpoint: crash after moveLeaderAway #2/, 'the last run died right after the leader\'s move');
    operator.start(bundle);
    const last = await waitFor('upgrade finished', () => { const s = status(ns); return s?.lastOperation?.type === 'Upgrade' && !s.operation && s.lastOperation; }, { timeoutMs: 300_000, intervalMs: 1000 });
    assert.equal(last.result, 'Succeeded', last.message);
    await waitConverged(ns, NAME, 3);
    const s = status(ns)!;
    assert.deepEqual(s.members!.map((m) => `${m.name}=${m.id}`).sort(), ids, 'the same members: none added, none lost');
    assert.deepEqual(s.members!.map((m) => m.version), ['3.6.16', '3.6.16', '3.6.16']);
    const pods = creations.counts();
    assert.deepEqual([...pods.keys()].sort(), ['cu-0', 'cu-1', 'cu-2']);
    for (const [m, n] of pods) assert.equal(n, 2, `${m}: restarted exactly once (the pod before, one new pod)`);
    const updating = kubectlJson<{ items: { message: string; lastTimestamp: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${NAME},reason=MemberUpdating`]).items;
    assert.ok(updating.sort((a, b) => a.lastTimestamp.localeCompare(b.lastTimestamp)).at(-1)?.message.includes(`restarting ${leader} (3/3)`), 'the leader went last');
    assert.equal(listBackups(ns).filter((b) => b.metadata.name.startsWith(`${NAME}-upgrade-`)).length, 1, 'one pre-upgrade backup');
    assert.equal((await readKeys(clientServiceEndpoint(ns, NAME), 'k')).size, KEYS);
  });
});
