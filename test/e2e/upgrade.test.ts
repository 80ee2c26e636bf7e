// Rolling changes on the local stack, a writer running through the client Service: 3.5.35 -> 3.6.16
// (backup first, one member at a time, the leader last), a resources change rolled the same way, a
// no-op edit that restarts nothing, refused version paths that name their rule, etcdop defrag under
// writes, and a NOSPACE alarm the operator clears by itself.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Etcd3 } from 'etcd3';
import { execFileSync } from 'node:child_process';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, podUids, waitConverged, waitEvent } from '../support/clusters.ts';
import { bucket, createS3Secret, listBackups } from '../support/backups.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';
import { Writer, clientServiceEndpoint } from '../support/writer.ts';
import { watchPodCreations } from '../support/pod-creations.ts';

const NAME = 'up';
const FROM = '3.5.35';
const TO = '3.6.16';

interface Status {
  currentVersion?: string;
  members?: { name: string; version?: string; leader: boolean }[];
  conditions?: { type: string; status: string; reason: string; message?: string }[];
  operation?: { type: string; step?: string };
  lastOperation?: { type: string; result: string; message?: string; finishedAt: string };
  observedGeneration?: number;
}
const cluster = (ns: string) => kubectlJson<{ metadata: { generation: number }; status?: Status }>(['get', 'etcdclusters.etcd.operator.dev', '-n', ns, NAME]);
const patchSpec = (ns: string, spec: object) => kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec })]);
/** Events about the cluster with this reason, oldest first. */
const events = (ns: string, reason: string) => kubectlJson<{ items: { reason: string; message: string; lastTimestamp: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${NAME},reason=${reason}`]).items
  .sort((a, b) => a.lastTimestamp.localeCompare(b.lastTimestamp)).map((e) => e.message);
/** Waits until the operation of this type finished at the current generation and returns its outcome. */
async function finished(ns: string, type: string, timeoutMs = 300_000, since = '') {
  return waitFor(`${type} finished`, () => {
    const c = cluster(ns);
    const last = c.status?.lastOperation;
    return last?.type === type && last.finishedAt > since && !c.status?.operation && last;
  }, { timeoutMs, intervalMs: 1000 });
}

describe('rolling upgrade and rolling changes with a writer running', () => {
  const suite = useOperatorNamespace('e2e-upgrade');
  let ns: string;
  let writer: Writer;
  const failed: Record<string, number> = {};
  const unavailable: Record<string, number> = {};

  before(async () => {
    ({ ns } = suite);
    const secret = createS3Secret(ns);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, {
      size: 3, version: FROM, storage: { size: '128Mi' },
      backup: { schedule: '0 0 1 1 *', retention: 3, destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } } },
    }));
    await waitConverged(ns, NAME, 3);
    writer = new Writer({ endpoints: [clientServiceEndpoint(ns, NAME)], prefix: 'upgrade' });
    writer.start();
  });
  after(async () => { await writer?.stop(); });

  async function during(what: string, fn: () => Promise<void>): Promise<void> {
    const [f, u] = [writer.failedWrites, writer.longestUnavailableMs];
    writer.longestUnavailableMs = 0;
    await fn();
    failed[what] = writer.failedWrites - f;
    unavailable[what] = writer.longestUnavailableMs;
    writer.longestUnavailableMs = Math.max(u, writer.longestUnavailableMs);
  }

  it(`${FROM} -> ${TO}: a backup first, then one member at a time, the leader last; every member on ${TO}`, { timeout: 420_000 }, async (t) => {
    const creations = await watchPodCreations(ns, /^up-\d+$/);
    t.after(() => creations.stop());
    await during('upgrade', async () => {
      const before = podUids(ns, NAME);
      const leader = cluster(ns).status!.members!.find((m) => m.leader)!.name;
      const steps = new Set<string>();
      patchSpec(ns, { version: TO });
      const last = await waitFor('upgrade done', () => {
        const s = cluster(ns).status;
        if (s?.operation?.step) steps.add(s.operation.step);
        return s?.lastOperation?.type === 'Upgrade' && !s.operation && s.lastOperation;
      }, { timeoutMs: 400_000, intervalMs: 300 });
      assert.equal(last.result, 'Succeeded', last.message);
      assert.equal(last.message, `Upgrade ${FROM} -> ${TO}: 3/3 members`);
      const c = await waitConverged(ns, NAME, 3);
      const s = cluster(ns).status!;
      assert.equal(s.currentVersion, TO);
      assert.deepEqual(s.members!.map((m) => m.version), [TO, TO, TO]);
      assert.ok(c);
      const after = podUids(ns, NAME);
      for (const [m, uid] of before) assert.notEqual(after.get(m), uid, `${m} restarted`);
      const pods = creations.counts();
      assert.equal(pods.size, 3, `three member pods: ${JSON.stringify([...pods])}`);
      for (const [m, n] of pods) assert.equal(n, 2, `${m} restarted exactly once (the pod before, one new pod)`);
      assert.ok([...steps].some((x) => /^Upgrade 3\.5\.35 -> 3\.6\.16: [12]\/3 members/.test(x)), `progress in status: ${[...steps].join(' | ')}`);
      const updating = events(ns, 'MemberUpdating');
      assert.equal(updating.length, 3);
      assert.match(updating[2]!, new RegExp(`restarting ${leader} \\(3/3\\)`), 'the leader goes last');
      assert.equal(events(ns, 'MemberUpdated').length, 3);
      const backup = listBackups(ns).find((b) => b.metadata.name.startsWith(`${NAME}-upgrade-3-6-16-`));
      assert.equal(backup?.status?.phase, 'Succeeded', 'the pre-upgrade backup');
      assert.equal(events(ns, 'UpgradeBackupTaken').length, 1);
    });
  });

  it('a resources change rolls every member once; edits that do not change the pod restart nothing', { timeout: 420_000 }, async () => {
    await during('resources change', async () => {
      const before = podUids(ns, NAME);
      const since = cluster(ns).status!.lastOperation!.finishedAt;
      patchSpec(ns, { pod: { resources: { requests: { cpu: '10m', memory: '64Mi' } } } });
      const last = await finished(ns, 'RollingUpdate', 400_000, since);
      assert.equal(last.result, 'Succeeded', last.message);
      await waitConverged(ns, NAME, 3);
      const after = podUids(ns, NAME);
      for (const [m, uid] of before) assert.notEqual(after.get(m), uid, `${m} restarted`);
      for (const m of after.keys()) {
        const pod = kubectlJson<{ spec: { containers: { resources?: { requests?: Record<string, string> } }[] } }>(['get', 'pod', '-n', ns, m]);
        assert.deepEqual(pod.spec.containers[0]!.resources?.requests, { cpu: '10m', memory: '64Mi' });
      }
    });
    const uids = podUids(ns, NAME);
    kubectl(['label', 'etcdclusters.etcd.operator.dev', '-n', ns, NAME, 'team=storage']);
    patchSpec(ns, { backup: { retention: 4 } }); // a new generation whose pods are the same
    const gen = cluster(ns).metadata.generation;
    await waitFor('new generation observed', () => cluster(ns).status?.observedGeneration === gen, { timeoutMs: 60_000, intervalMs: 500 });
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(podUids(ns, NAME), uids, 'nothing restarted');
  });

  it('refused paths name their rule: a minor downgrade at admission; a made-up version fails before any member stops and heals once fixed', { timeout: 300_000 }, async () => {
    assert.throws(() => patchSpec(ns, { version: FROM }), /spec\.version cannot go down a minor version/);
    const uids = podUids(ns, NAME);
    const since = cluster(ns).status!.lastOperation!.finishedAt;
    patchSpec(ns, { version: '3.6.99' });
    const last = await finished(ns, 'Upgrade', 240_000, since);
    assert.equal(last.result, 'Failed');
    assert.match(last.message ?? '', /etcd-operator\.local\/etcd:v3\.6\.99 cannot be pulled/);
    await waitFor('Degraded names the failure', () => cluster(ns).status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True' && c.reason === 'OperationFailed' && /cannot be pulled/.test(c.message ?? '')), { timeoutMs: 60_000, intervalMs: 1000 });
    await waitEvent(ns, NAME, 'UpgradeFailed', /cannot be pulled.*etcdop ops retry/);
    assert.deepEqual(podUids(ns, NAME), uids, 'no member was stopped');
    const specValid = () => cluster(ns).status?.conditions?.find((c) => c.type === 'SpecValid');
    assert.deepEqual([specValid()?.status, specValid()?.reason], ['False', 'ImageUnavailable']);
    assert.match(specValid()?.message ?? '', /v3\.6\.99 cannot be pulled/);
    patchSpec(ns, { version: TO });
    await waitFor('healed', () => cluster(ns).status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'False'), { timeoutMs: 120_000, intervalMs: 1000 });
    assert.equal(specValid()?.status, 'True');
    await waitConverged(ns, NAME, 3);
    assert.deepEqual(podUids(ns, NAME), uids, 'the pods already run the fixed spec: nothing restarted');
  });

  it('etcdop defrag under writes: every member, one at a time, the leader last', { timeout: 240_000 }, async () => {
    await during('defrag', async () => {
      const leader = cluster(ns).status!.members!.find((m) => m.leader)!.name;
      const out = execFileSync('node', ['bin/etcdop.js', 'defrag', NAME, '-n', ns, '--watch'], { cwd: repoRoot, env: process.env, encoding: 'utf8', timeout: 200_000 });
      const lines = out.trim().split('\n');
      assert.match(lines[0]!, /^\[\d+s\] .*\(ready \d\/3\)/, `--watch prints progress first: ${out}`);
      assert.match(lines.at(-1)!, /^Defrag Succeeded: /, `then the outcome: ${out}`);
      const done = events(ns, 'MemberDefragmented');
      assert.equal(done.length, 3);
      assert.match(done[2]!, new RegExp(`^${leader} defragmented`));
    });
  });

  it('a Create that failed because its image does not exist is healed by fixing spec.version', { timeout: 300_000 }, async () => {
    const bad = 'badimage';
    const get = () => kubectlJson<{ status?: Status }>(['get', 'etcdclusters.etcd.operator.dev', '-n', ns, bad]).status;
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(bad, { size: 1, version: '3.6.99', storage: { size: '64Mi' } }));
    const last = await waitFor('Create failed', () => { const s = get(); return s?.lastOperation?.type === 'Create' && s.lastOperation; }, { timeoutMs: 180_000, intervalMs: 1000 });
    assert.equal(last.result, 'Failed');
    assert.match(last.message ?? '', /member badimage-0 cannot start: image etcd-operator\.local\/etcd:v3\.6\.99 cannot be pulled.*fix spec\.version or spec\.repository/);
    const specValid = () => get()?.conditions?.find((c) => c.type === 'SpecValid');
    assert.deepEqual([specValid()?.status, specValid()?.reason], ['False', 'ImageUnavailable']);
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ns, bad, '--type=merge', '-p', JSON.stringify({ spec: { version: TO } })]);
    await waitConverged(ns, bad, 1, 180_000);
    assert.equal(specValid()?.status, 'True');
    const pod = kubectlJson<{ spec: { containers: { image: string }[] } }>(['get', 'pod', '-n', ns, `${bad}-0`]);
    assert.equal(pod.spec.containers[0]!.image, `etcd-operator.local/etcd:v${TO}`);
    kubectl(['delete', 'etcdclusters.etcd.operator.dev', '-n', ns, bad, '--wait=false']);
  });

  it('no acknowledged write was lost; failed writes and the longest unavailability are reported', { timeout: 120_000 }, async () => {
    await writer.stop();
    const v = await writer.verify();
    console.log(`upgrade: acked ${v.acked}; failed writes ${JSON.stringify(failed)}; longest unavailability ms ${JSON.stringify(unavailable)}; errors ${JSON.stringify(writer.errors)}`);
    assert.ok(v.acked > 500, `the writer made progress (${v.acked})`);
    assert.deepEqual(v.missing, []);
    assert.deepEqual(v.wrongValue, []);
  });

  it('a NOSPACE alarm (small quotaBackendBytes) is reported, then cleared by compaction, defragmentation and disarm', { timeout: 420_000 }, async () => {
    const since = cluster(ns).status!.lastOperation!.finishedAt;
    patchSpec(ns, { options: { quotaBackendBytes: 16 * 1024 * 1024 } }); // an etcd flag: rolled like any pod change
    assert.equal((await finished(ns, 'RollingUpdate', 400_000, since)).result, 'Succeeded');
    await waitConverged(ns, NAME, 3);
    const client = new Etcd3({ hosts: clientServiceEndpoint(ns, NAME) });
    try {
      const big = 'x'.repeat(512 * 1024);
      let refused: Error | undefined;
      for (let i = 0; i < 200 && !refused; i++) { // rewrites of one key: history, which compaction frees
        try { await client.put('filler').value(big); } catch (err) { refused = err as Error; }
      }
      assert.match(String(refused?.message), /database space exceeded/);
      await waitFor('NoSpaceCleared', () => events(ns, 'NoSpaceCleared').length > 0, { timeoutMs: 240_000, intervalMs: 1000 });
      await waitFor('writes taken again', async () => { try { await client.put('after-nospace').value('ok'); return true; } catch { return false; } }, { timeoutMs: 60_000, intervalMs: 1000 });
      assert.equal(await client.get('after-nospace').string(), 'ok');
      assert.ok(events(ns, 'DefragStarted').some((m) => /NOSPACE alarm on/.test(m)));
    } finally {
      client.close();
    }
  });
});
