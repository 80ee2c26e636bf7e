// The writer the failover tests and bench rely on, proved against real etcd: a plain 3-pod cluster
// (no operator) behind its ClusterIP Service. Its leader pod deleted while the writer runs: every
// acknowledged write is read back afterwards. Two of three pods deleted: without quorum each write
// fails at its deadline (not after the etcd3 client's own retries), the outage is measured, and
// writes resume once the pods are back. A negative control shows verify() does notice a lost or
// overwritten key, so "missing == 0" means something.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace, fixture, execIn, etcdImage } from '../support/kube.ts';
import { waitFor } from '../support/wait.ts';
import { Writer } from '../support/writer.ts';

const manifest = new URL('./fixtures/etcd-3pod.yaml', import.meta.url);
const pods = ['etcd-0', 'etcd-1', 'etcd-2'];
const PREFIX = 'writer-e2e';
const DEADLINE_MS = 2_000;

/** kubectl without blocking the event loop, so the writer keeps writing while the pod goes. */
const kubectlAsync = async (args: string[]) => (await promisify(execFile)('kubectl', args, { env: process.env, timeout: 60_000 })).stdout;

interface EndpointStatus { Endpoint: string; Status: { header: { member_id: number }; leader: number } }

/** The pod whose member leads, from etcd's own view. */
function leaderPod(ns: string): string {
  const out = execIn(ns, 'etcd-0', ['etcdctl', `--endpoints=http://etcd-0.etcd.${ns}.svc:2379`, 'endpoint', 'status', '--cluster', '-w', 'json']);
  const leader = (JSON.parse(out) as EndpointStatus[]).find((s) => s.Status.header.member_id === s.Status.leader);
  const pod = leader && /\/\/(etcd-\d)\./.exec(leader.Endpoint)?.[1];
  if (!pod) throw new Error(`no leader in ${out}`);
  return pod;
}

describe('writer against a plain 3-pod etcd cluster', () => {
  let ns: string;
  let cleanup: (() => void) | undefined;
  let applied: string;
  let endpoint: string;
  let writer: Writer | undefined;

  before(async () => {
    ensureStack();
    ({ ns, cleanup } = tempNamespace('e2e-writer'));
    applied = fixture(manifest, { NS: ns, IMAGE: etcdImage('3.6.16') });
    kubectl(['apply', '-n', ns, '-f', '-'], applied);
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', ...pods, '--timeout=120s']);
    await waitFor('all 3 members healthy', () =>
      execIn(ns, 'etcd-0', ['etcdctl', `--endpoints=http://etcd-0.etcd.${ns}.svc:2379`, 'endpoint', 'health', '--cluster']).match(/is healthy/g)?.length === 3,
    { timeoutMs: 60_000, intervalMs: 500 });
    endpoint = `http://${kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', '-n', ns, 'etcd-client']).spec.clusterIP}:2379`;
  });
  after(async () => {
    await writer?.stop();
    try {
      // Pods first, without a grace period: the namespace goes much faster once its members are gone.
      if (ns) kubectl(['delete', 'pod', '-n', ns, '--all', '--grace-period=1', '--wait=true', '--timeout=60s']);
    } finally {
      cleanup?.();
    }
  });

  it('keeps every acknowledged write while the leader pod is deleted and re-created', { timeout: 60_000 }, async (t) => {
    writer = new Writer({ endpoints: [endpoint], prefix: PREFIX, intervalMs: 20, maxDurationMs: 30_000 });
    const w = writer;
    const t0 = Date.now();
    w.start();
    await waitFor('first acknowledged writes', () => w.ackedKeys.size >= 20, { timeoutMs: 15_000, intervalMs: 50 });

    const victim = leaderPod(ns);
    const ackedBeforeDelete = w.ackedKeys.size;
    await kubectlAsync(['delete', 'pod', '-n', ns, victim, '--wait=true']);
    // Re-create the member on its volume (same name, same PVC), as a restart would.
    kubectl(['apply', '-n', ns, '-f', '-'], applied);
    const ackedAfterDelete = w.ackedKeys.size;

    // Run for about 5 s in all, and at least until writes succeed again after the disruption.
    await waitFor('writes acknowledged after the delete', () => w.ackedKeys.size > ackedAfterDelete + 20 && Date.now() - t0 >= 5_000, { timeoutMs: 30_000, intervalMs: 100 });
    await w.stop();

    const v = await w.verify(30_000);
    t.diagnostic(`deleted ${victim}; acked ${v.acked} (${ackedBeforeDelete} before the delete), failed ${v.failed}, longest unavailable ${w.longestUnavailableMs} ms, errors ${JSON.stringify(w.errors)}`);
    assert.ok(v.acked > 0, 'some writes were acknowledged');
    assert.deepEqual(v.missing, [], 'no acknowledged write is missing');
    assert.deepEqual(v.wrongValue, [], 'every acknowledged key holds the value written');
    assert.ok(ackedAfterDelete > ackedBeforeDelete || w.ackedKeys.size > ackedAfterDelete, 'the writer kept going through the delete');
  });

  it('fails each write within its deadline while quorum is lost, resumes after, and loses no acknowledged write', { timeout: 60_000 }, async (t) => {
    // Straight to the member that stays: through the Service, a member without quorum turns
    // NotReady within seconds and connections are refused at once instead of hanging.
    const survivor = `http://${kubectlJson<{ status: { podIP: string } }>(['get', 'pod', '-n', ns, 'etcd-0']).status.podIP}:2379`;
    const w = new Writer({ endpoints: [survivor], prefix: `${PREFIX}-quorum`, intervalMs: 20, callTimeoutMs: DEADLINE_MS, maxDurationMs: 50_000 });
    w.start();
    try {
      await waitFor('first acknowledged writes', () => w.ackedKeys.size >= 20, { timeoutMs: 15_000, intervalMs: 50 });
      // Two of three members gone: the one left cannot commit anything.
      await kubectlAsync(['delete', 'pod', '-n', ns, 'etcd-1', 'etcd-2', '--wait=true']);
      // Each failed write, timed: without quorum every attempt must give up at its deadline.
      const failures: number[] = [];
      let seen = w.failedWrites;
      await waitFor('3 failed writes without quorum', () => {
        for (; seen < w.failedWrites; seen++) failures.push(Date.now());
        return failures.length >= 3;
      }, { timeoutMs: 30_000, intervalMs: 25 });
      kubectl(['apply', '-n', ns, '-f', '-'], applied);
      const ackedAtRecreate = w.ackedKeys.size;
      await waitFor('writes acknowledged again', () => w.ackedKeys.size > ackedAtRecreate + 20, { timeoutMs: 40_000, intervalMs: 100 });
      await w.stop();
      const v = await w.verify(30_000);
      const gaps = failures.slice(1).map((x, i) => x - failures[i]!);
      t.diagnostic(`acked ${v.acked}, failed ${v.failed}, gaps between failures without quorum ${gaps.join(', ')} ms, longest unavailable ${w.longestUnavailableMs} ms, errors ${JSON.stringify(w.errors)}`);
      assert.ok(Math.max(...gaps) < DEADLINE_MS + 1_500, `a write without quorum fails at its ${DEADLINE_MS} ms deadline, not after the client's own retries (gaps ${gaps.join(', ')} ms)`);
      assert.ok(w.longestUnavailableMs >= failures[2]! - failures[0]!, 'the outage is measured');
      assert.deepEqual(v.missing, [], 'no acknowledged write is missing');
      assert.deepEqual(v.wrongValue, [], 'every acknowledged key holds the value written');
    } finally {
      await w.stop();
    }
  });

  it('verify() reports a key that was lost or overwritten (negative control)', { timeout: 30_000 }, async () => {
    const w = writer!;
    const keys = [...w.ackedKeys.keys()];
    assert.ok(keys.length >= 2);
    const [lost, changed] = [keys[0]!, keys[keys.length - 1]!];
    execIn(ns, 'etcd-0', ['etcdctl', 'del', lost]);
    execIn(ns, 'etcd-0', ['etcdctl', 'put', changed, 'not-what-the-writer-wrote']);
    const v = await w.verify(30_000);
    assert.deepEqual(v.missing, [lost]);
    assert.deepEqual(v.wrongValue, [changed]);
  });
});
