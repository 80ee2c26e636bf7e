// Failover on the local stack, a writer running through the client Service throughout: a follower
// pod and the leader pod deleted (same member back on its volume), a member's PVC and pod deleted
// (replaced by a fresh member), a member crash-looping on a wiped data dir (replaced). Afterwards
// every acknowledged write is present.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, eventReasons, getCluster, podUids, waitConverged, type Member } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';
import { Writer, clientServiceEndpoint } from '../support/writer.ts';

const NAME = 'fo';
const members = (ns: string): Member[] => getCluster(ns, NAME).status!.members!;

describe('failover with a writer running', () => {
  const suite = useOperatorNamespace('e2e-failover');
  let ns: string;
  let writer: Writer;
  const failed: Record<string, number> = {};

  before(async () => {
    ({ ns } = suite);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, { size: 3, storage: { size: '64Mi' } }));
    await waitConverged(ns, NAME, 3);
    writer = new Writer({ endpoints: [clientServiceEndpoint(ns, NAME)], prefix: 'failover' });
    writer.start();
  });
  after(async () => { await writer?.stop(); });

  /** Runs one disruption and records the writes that failed during it. */
  async function during(what: string, fn: () => Promise<void>): Promise<void> {
    const before = writer.failedWrites;
    await fn();
    failed[what] = writer.failedWrites - before;
  }

  for (const role of ['follower', 'leader'] as const) {
    it(`a deleted ${role} pod comes back as the same member on its volume`, { timeout: 240_000 }, async () => {
      await during(`${role} pod deleted`, async () => {
        const victim = members(ns).find((m) => m.leader === (role === 'leader'))!;
        const ids = members(ns).map((m) => `${m.name}=${m.id}`).sort();
        const uid = podUids(ns, NAME).get(victim.name);
        kubectl(['delete', 'pod', '-n', ns, victim.name, '--wait=false']);
        await waitFor(`${victim.name} recreated`, () => { const u = podUids(ns, NAME).get(victim.name); return u !== undefined && u !== uid; }, { timeoutMs: 120_000, intervalMs: 500 });
        const c = await waitConverged(ns, NAME, 3);
        assert.deepEqual(c.status!.members!.map((m) => `${m.name}=${m.id}`).sort(), ids, 'same members, same ids: no membership change');
        assert.ok(eventReasons(ns, NAME).includes('MemberRestarted'));
      });
    });
  }

  it('a member whose PVC and pod are deleted is replaced by a fresh member', { timeout: 300_000 }, async () => {
    await during('PVC and pod deleted', async () => {
      const victim = members(ns).find((m) => !m.leader)!;
      kubectl(['delete', 'pvc', '-n', ns, `data-${victim.name}`, '--wait=false']);
      kubectl(['delete', 'pod', '-n', ns, victim.name, '--wait=false']);
      const c = await waitFor('replaced', async () => {
        const x = await waitConverged(ns, NAME, 3, 240_000);
        return !x.status!.members!.some((m) => m.name === victim.name) && x;
      }, { timeoutMs: 240_000, intervalMs: 1000 });
      assert.equal(c.status!.members!.length, 3);
      const reasons = eventReasons(ns, NAME);
      for (const r of ['ReplaceMemberStarted', 'MemberRemoving', 'MemberJoining', 'MemberReplaced']) assert.ok(reasons.includes(r), `${r} in ${reasons}`);
    });
  });

  it('a member crash-looping on a wiped data dir is replaced', { timeout: 400_000 }, async () => {
    await during('crash-looping member', async () => {
      const victim = members(ns).find((m) => !m.leader)!;
      const pvName = kubectlJson<{ spec: { volumeName: string } }>(['get', 'pvc', '-n', ns, `data-${victim.name}`]).spec.volumeName;
      const pv = kubectlJson<{ spec: { hostPath?: { path: string }; local?: { path: string } } }>(['get', 'pv', pvName]);
      const path = pv.spec.hostPath?.path ?? pv.spec.local?.path;
      assert.ok(path, 'the local-path volume has a host path');
      rmSync(`${path}/data`, { recursive: true, force: true }); // the running etcd keeps its open files; the next start finds nothing
      kubectl(['delete', 'pod', '-n', ns, victim.name, '--wait=false']);
      await waitFor('crash-loop seen', () => getCluster(ns, NAME).status?.conditions?.some((c) => c.type === 'Degraded' && c.status === 'True'), { timeoutMs: 120_000, intervalMs: 1000 });
      const c = await waitFor('replaced', async () => {
        const x = await waitConverged(ns, NAME, 3, 300_000);
        return !x.status!.members!.some((m) => m.name === victim.name) && x;
      }, { timeoutMs: 330_000, intervalMs: 1000 });
      assert.equal(c.status!.members!.length, 3);
    });
  });

  it('no acknowledged write was lost across all of it', { timeout: 120_000 }, async () => {
    await writer.stop();
    const v = await writer.verify();
    console.log(`failover: acked ${v.acked}; failed writes per event ${JSON.stringify(failed)}; longest unavailability ${writer.longestUnavailableMs} ms; errors ${JSON.stringify(writer.errors)}`);
    assert.ok(v.acked > 100, `the writer made progress (${v.acked})`);
    assert.deepEqual(v.missing, []);
    assert.deepEqual(v.wrongValue, []);
  });
});
