// The operator process SIGKILLed at each activity boundary of create and delete on the local stack:
// a failpoint kills it right after an activity did its work and before Temporal heard of it, then
// a plain operator takes over. Create must end Available with exactly the requested members and no
// pod re-created; delete must leave nothing behind.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack } from '../support/stack.ts';
import { kubectl, tempNamespace } from '../support/kube.ts';
import { clusterYaml, objectsLeft, podUids, waitAvailable } from '../support/clusters.ts';
import { OperatorProcess } from '../support/operator.ts';
import { waitFor, within } from '../support/wait.ts';

const SIZE = 3;
// Counting only this process's successful completions: readCluster #1 is the cluster workflow's,
// #2 the create's; reportStep #3 is "ApplyMember <name>-1".
const createBoundaries = [
  'ensureFinalizer', 'readCluster#2', 'recordEvent', 'reportStep#3', 'applyServices', 'applyMember#1', 'applyMember#2',
  'checkClusterReady', 'checkClientEndpoints', 'reportMembers', 'reportOutcome',
];
const deleteBoundaries = ['deleteClusterObjects', 'waitPodsGone', 'releaseVolumes', 'removeFinalizer'];

const slug = (b: string) => b.toLowerCase().replace('#', '-');
const eventCount = (ns: string, name: string, reason: string) =>
  kubectl(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`, '-o', 'name']).split('\n').filter(Boolean).length;

describe('operator killed at every activity boundary of create and delete', () => {
  let ns: string;
  let cleanup: () => void;
  let operator: OperatorProcess;
  let bundle: Record<string, string>;
  const armed = (failpoint: string) => ({ ...bundle, ETCD_OPERATOR_FAILPOINTS: `crash-after:${failpoint}` });

  before(() => {
    ensureStack();
    OperatorProcess.installCrds();
    bundle = OperatorProcess.prebuiltBundleEnv();
    ({ ns, cleanup } = tempNamespace('e2e-crash'));
    operator = new OperatorProcess(ns);
  });
  after(async () => {
    await operator.stop();
    operator.start(bundle); // a leftover cluster is deleted by a plain operator
    for (const c of kubectl(['get', 'etcdcluster', '-n', ns, '-o', 'name']).split('\n').filter(Boolean)) kubectl(['delete', '-n', ns, c, '--wait=true', '--timeout=120s']);
    await operator.drain();
    await operator.stop();
    cleanup();
  });

  for (const boundary of createBoundaries) {
    it(`create of ${SIZE} survives a SIGKILL right after ${boundary}: Available with exactly ${SIZE} members, no pod re-created, one CreateStarted`, async () => {
      const name = `c-${slug(boundary)}`;
      operator.start(armed(boundary)); // kills one an earlier failed case left running
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: SIZE }));
      assert.equal(await within(120_000, `failpoint ${boundary} (log: ${operator.logFile})`, operator.exited()), 'SIGKILL');
      const podsAtCrash = podUids(ns, name);

      operator.start(bundle);
      const c = await waitAvailable(ns, name);
      const want = Array.from({ length: SIZE }, (_, i) => `${name}-${i}`);
      assert.deepEqual(c.status!.members!.map((m) => m.name).sort(), want);
      assert.ok(c.status!.members!.every((m) => m.healthy && !m.learner), 'all healthy voters');
      assert.equal(new Set(c.status!.members!.map((m) => m.id)).size, SIZE, 'no duplicate member');
      const pods = podUids(ns, name);
      assert.deepEqual([...pods.keys()].sort(), want);
      for (const [pod, uid] of podsAtCrash) assert.equal(pods.get(pod), uid, `${pod} existed at the crash and was not re-created`);
      assert.equal(eventCount(ns, name, 'CreateStarted'), 1);

      kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=true', '--timeout=120s']);
      assert.deepEqual(objectsLeft(ns, name), []);
      await operator.drain(); // create and delete both finish, the cluster workflow too
      await operator.stop();
    });
  }

  for (const boundary of deleteBoundaries) {
    it(`delete of ${SIZE} members survives a SIGKILL right after ${boundary}: the EtcdCluster goes and nothing is left`, async () => {
      const name = `d-${slug(boundary)}`;
      await operator.stop();
      operator.start(bundle);
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: SIZE }));
      await waitAvailable(ns, name);
      await operator.stop();

      operator.start(armed(boundary));
      kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=false']);
      assert.equal(await within(120_000, `failpoint ${boundary} (log: ${operator.logFile})`, operator.exited()), 'SIGKILL');

      operator.start(bundle);
      await waitFor(`${name} gone`, () => kubectl(['get', 'etcdcluster', '-n', ns, '--ignore-not-found', name, '-o', 'name']).trim() === '', { timeoutMs: 120_000, intervalMs: 1000 });
      assert.deepEqual(objectsLeft(ns, name), []);
      await operator.drain();
      await operator.stop();
    });
  }
});
