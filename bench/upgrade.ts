// Rolling upgrade benchmark on the local stack, against a baseline measured in the same run: three
// bare pod restarts (each member of a plain 3-pod etcd 3.5.35 cluster deleted and created again on its
// volume with 3.6.16, one after the other, each until it serves; no operator) vs the operator's
// upgrade of a 3-member cluster 3.5.35 -> 3.6.16 (spec.version edited -> Upgrade Succeeded). A writer
// (one attempt per put) runs through the client Service in both, counting failed writes and the
// longest time no write succeeded.
// Usage: node --import tsx bench/upgrade.ts [--runs N]
import { readFileSync } from 'node:fs';
import { ensureStack } from '../test/support/stack.ts';
import { etcdImage, fixture, kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { clusterYaml, readCluster, waitConverged } from '../test/support/clusters.ts';
import { LOOK_MS } from './support/look.ts';
import { memberServing } from '../test/support/member-serving.ts';
import { waitFor } from '../test/support/wait.ts';
import { Writer, clientServiceEndpoint } from '../test/support/writer.ts';
import { benchArgs } from './support/args.ts';
import { median, seconds } from './support/stats.ts';
import { emitRows, rowsOf } from './support/rows.ts';

const { runs } = benchArgs({ runs: 3 });
const FROM = '3.5.35';
const TO = '3.6.16';
const manifest = new URL('../test/e2e/fixtures/etcd-3pod.yaml', import.meta.url);

interface Sample { seconds: number; failedWrites: number; unavailableMs: number; lost: number }


/** Runs `fn` with a writer through `endpoint`, and what the writer saw. */
async function withWriter(endpoint: string, prefix: string, fn: () => Promise<void>): Promise<Sample> {
  const writer = new Writer({ endpoints: [endpoint], prefix });
  writer.start();
  await new Promise((r) => setTimeout(r, 2000));
  const t0 = performance.now();
  await fn();
  const s = seconds(t0);
  await writer.stop();
  const v = await writer.verify();
  return { seconds: s, failedWrites: writer.failedWrites, unavailableMs: writer.longestUnavailableMs, lost: v.missing.length };
}

/** Baseline: each member of a plain 3-pod cluster deleted and created again with the new image, one at a time. */
async function bareRestarts(): Promise<Sample> {
  const { ns, cleanup } = tempNamespace('bench-bare-up');
  try {
    kubectl(['apply', '-n', ns, '-f', '-'], fixture(manifest, { NS: ns, IMAGE: etcdImage(FROM) }));
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', 'etcd-0', 'etcd-1', 'etcd-2', '--timeout=180s']);
    const pods = fixture(manifest, { NS: ns, IMAGE: etcdImage(TO) }).split(/^---$/m).filter((d) => /kind: Pod\n/.test(d));
    const ip = kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', '-n', ns, 'etcd-client']).spec.clusterIP;
    return await withWriter(`http://${ip}:2379`, 'bare', async () => {
      for (const [i, doc] of pods.entries()) {
        const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'pod', '-n', ns, `etcd-${i}`]).metadata.uid;
        kubectl(['delete', 'pod', '-n', ns, `etcd-${i}`, '--wait=true']);
        kubectl(['apply', '-n', ns, '-f', '-'], doc);
        await memberServing(ns, `etcd-${i}`, uid);
      }
    });
  } finally {
    cleanup();
  }
}

ensureStack();
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
readFileSync(manifest); // fail early if the fixture moved
const { ns, cleanup } = tempNamespace('bench-up');
const operator = new OperatorProcess(ns);
operator.start();
const bare: Sample[] = [];
const upgrade: Sample[] = [];
try {
  for (let r = 0; r < runs; r++) {
    bare.push(await bareRestarts());
    const name = `up${r}`;
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size: 3, version: FROM, storage: { size: '64Mi' } }));
    await waitConverged(ns, name, 3);
    upgrade.push(await withWriter(clientServiceEndpoint(ns, name), `op${r}`, async () => {
      kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ns, name, '--type=merge', '-p', JSON.stringify({ spec: { version: TO } })]);
      await waitFor('upgrade done', async () => {
        const s = (await readCluster(ns, name) as { status?: { lastOperation?: { type: string; result: string }; operation?: unknown } }).status;
        if (s?.lastOperation?.type === 'Upgrade' && s.lastOperation.result !== 'Succeeded') throw new Error(`upgrade ${s.lastOperation.result}`);
        return s?.lastOperation?.type === 'Upgrade' && !s.operation;
      }, { timeoutMs: 600_000, intervalMs: LOOK_MS });
    }));
    kubectl(['delete', 'etcdclusters.etcd.operator.dev', '-n', ns, name, '--wait=true', '--timeout=180s']);
  }
} finally {
  await operator.stop();
  cleanup();
}

const summarize = (xs: Sample[]) => ({
  medianSeconds: median(xs.map((x) => x.seconds)),
  failedWrites: xs.reduce((a, x) => a + x.failedWrites, 0),
  longestUnavailableMs: Math.max(...xs.map((x) => x.unavailableMs)),
  acknowledgedWritesLost: xs.reduce((a, x) => a + x.lost, 0),
  all: xs,
});
const b = summarize(bare);
const u = summarize(upgrade);
const ratio = u.medianSeconds / b.medianSeconds;
console.log(JSON.stringify({ bench: 'upgrade', runs, from: FROM, to: TO, bareRestarts: b, operatorUpgrade: u, ratioToBareRestarts: ratio,
  targets: { ratioAtMost1_2: ratio <= 1.2, longestUnavailabilityAtMost2s: u.longestUnavailableMs <= 2000 } }, null, 2));
console.log(`\n| ${FROM} -> ${TO}, 3 members (runs=${runs}) | median | ratio | failed writes | longest unavailability | acknowledged writes lost |\n|---|---|---|---|---|---|`);
console.log(`| three bare pod restarts, one at a time (no operator) | ${b.medianSeconds.toFixed(2)} s | 1.00 | ${b.failedWrites} | ${b.longestUnavailableMs} ms | ${b.acknowledgedWritesLost} |`);
console.log(`| operator Upgrade (edit -> Succeeded: checks, one member at a time, leader last) | ${u.medianSeconds.toFixed(2)} s | ${ratio.toFixed(2)} | ${u.failedWrites} | ${u.longestUnavailableMs} ms | ${u.acknowledgedWritesLost} |`);

const rowOf = rowsOf('upgrade');
const bareRow = rowOf(`three bare pod restarts ${FROM} -> ${TO}, one at a time (no operator)`, 's', bare.map((x) => x.seconds));
emitRows([
  bareRow,
  rowOf(`operator Upgrade ${FROM} -> ${TO}, 3 members (edit -> Succeeded)`, 's', upgrade.map((x) => x.seconds), { baseline: bareRow, target: '<= 1.2x three bare pod restarts', check: (r) => r.ratio! <= 1.2 }),
]);
