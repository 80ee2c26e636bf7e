// TLS and authentication overhead on the local stack, against a baseline measured in the same run:
// three 3-member clusters made by the operator, alike but for security: plain, `tls.mode: auto`
// (https on client and peer ports), and TLS + `auth.enabled` (each client logs in as root once).
// Each is loaded in turn (the order rotates per run) through its client Service by C clients, each
// its own connection, doing 1 KiB puts back to back for D seconds. Prints puts/s and latency
// percentiles per variant, and their ratios to plain.
// Usage: node --import tsx bench/security.ts [--runs N] [--seconds D] [--clients C]
import { Etcd3 } from 'etcd3';
import { etcdClient, type EtcdCredentials } from '../activities/etcd/client.ts';
import { clusterYaml, waitConverged } from '../test/support/clusters.ts';
import { kubectl, kubectlJson, tempNamespace } from '../test/support/kube.ts';
import { OperatorProcess } from '../test/support/operator.ts';
import { ensureStack } from '../test/support/stack.ts';
import { waitFor } from '../test/support/wait.ts';
import { clientServiceEndpoint } from '../test/support/writer.ts';
import { benchArgs } from './support/args.ts';
import { median } from './support/stats.ts';
import { emitRows, rowsOf } from './support/rows.ts';

const { runs, seconds, clients } = benchArgs({ runs: 3, seconds: 15, clients: 8 });
const VALUE = 'x'.repeat(1024);

type Variant = 'plain' | 'tls' | 'tlsAuth';
const VARIANTS: Variant[] = ['plain', 'tls', 'tlsAuth'];
const SPECS: Record<Variant, Record<string, unknown>> = {
  plain: {},
  tls: { tls: { mode: 'auto' } },
  tlsAuth: { tls: { mode: 'auto' }, auth: { enabled: true } },
};
const clusterName = (v: Variant) => `sec-${v.toLowerCase()}`;

interface Sample { putsPerSecond: number; p50Ms: number; p99Ms: number; errors: number }

const secretText = (ns: string, name: string, key: string) =>
  Buffer.from(kubectlJson<{ data: Record<string, string> }>(['get', 'secret', '-n', ns, name]).data[key] ?? '', 'base64').toString('utf8');

/** How a client of this variant connects: the cluster's CA and the name to verify; root's login with auth (read here, never printed). */
function credentials(ns: string, v: Variant): EtcdCredentials {
  if (v === 'plain') return {};
  const name = clusterName(v);
  const client = (k: string) => Buffer.from(secretText(ns, `${name}-operator-client-tls`, k));
  return {
    tls: { ca: client('ca.crt'), cert: client('tls.crt'), key: client('tls.key'), servername: `${name}-client.${ns}.svc` },
    ...(v === 'tlsAuth' && { auth: { username: 'root', password: secretText(ns, `${name}-root`, 'password') } }),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/** C clients putting back to back for `seconds`; each client logs in (auth) before the clock starts. */
async function load(endpoint: string, creds: EtcdCredentials, prefix: string): Promise<Sample> {
  const cs: Etcd3[] = Array.from({ length: clients }, () => etcdClient(endpoint, 5000, creds));
  const latencies: number[] = [];
  let errors = 0;
  try {
    await Promise.all(cs.map((c, i) => c.put(`${prefix}/warm/${i}`).value(VALUE)));
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(cs.map(async (c, i) => {
      for (let n = 0; performance.now() < end; n++) {
        const s = performance.now();
        try {
          await c.put(`${prefix}/${i}/${n}`).value(VALUE);
          latencies.push(performance.now() - s);
        } catch {
          errors += 1;
        }
      }
    }));
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { putsPerSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99), errors };
  } finally {
    for (const c of cs) c.close();
  }
}

ensureStack();
Object.assign(process.env, OperatorProcess.prebuiltBundleEnv());
OperatorProcess.installCrds();
const { ns, cleanup } = tempNamespace('bench-sec');
const operator = new OperatorProcess(ns);
operator.start();
const samples: Record<Variant, Sample[]> = { plain: [], tls: [], tlsAuth: [] };
try {
  for (const v of VARIANTS) kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(clusterName(v), { size: 3, storage: { size: '256Mi' }, ...SPECS[v] }));
  for (const v of VARIANTS) await waitConverged(ns, clusterName(v), 3, 300_000);
  await waitFor('auth on', () => kubectlJson<{ items: unknown[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${clusterName('tlsAuth')},reason=ConfigureAuthSucceeded`]).items.length > 0, { timeoutMs: 120_000, intervalMs: 1000 });
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < VARIANTS.length; k++) {
      const v = VARIANTS[(k + r) % VARIANTS.length]!;
      const endpoint = clientServiceEndpoint(ns, clusterName(v), v === 'plain' ? 'http' : 'https');
      samples[v].push(await load(endpoint, credentials(ns, v), `run${r}`));
    }
  }
} finally {
  for (const v of VARIANTS) kubectl(['delete', 'etcdclusters.etcd.operator.dev', '-n', ns, clusterName(v), '--ignore-not-found', '--wait=true', '--timeout=180s']);
  await operator.drain().catch(() => undefined);
  await operator.stop();
  cleanup();
}

const summary = Object.fromEntries(VARIANTS.map((v) => [v, {
  putsPerSecond: median(samples[v].map((s) => s.putsPerSecond)),
  p50Ms: median(samples[v].map((s) => s.p50Ms)),
  p99Ms: median(samples[v].map((s) => s.p99Ms)),
  errors: samples[v].reduce((a, s) => a + s.errors, 0),
  all: samples[v],
}])) as Record<Variant, Sample & { all: Sample[] }>;
const ratio = (v: Variant) => summary[v].putsPerSecond / summary.plain.putsPerSecond;
console.log(JSON.stringify({ bench: 'security', runs, seconds, clients, valueBytes: VALUE.length, ...summary,
  throughputRatioToPlain: { tls: ratio('tls'), tlsAuth: ratio('tlsAuth') } }, null, 2));
console.log(`\n| 3 members, ${clients} clients, 1 KiB puts, ${seconds} s (runs=${runs}) | puts/s | ratio to plain | p50 | p99 | errors |\n|---|---|---|---|---|---|`);
for (const v of VARIANTS) {
  const s = summary[v];
  console.log(`| ${v} | ${s.putsPerSecond.toFixed(0)} | ${ratio(v).toFixed(2)} | ${s.p50Ms.toFixed(1)} ms | ${s.p99Ms.toFixed(1)} ms | ${s.errors} |`);
}

const rowOf = rowsOf('security');
const loadText = `3 members, ${clients} clients, 1 KiB puts`;
/** One measure for plain (the baseline), tls and tlsAuth. */
const rowsFor = (key: 'putsPerSecond' | 'p99Ms', what: string, unit: string) => {
  const plain = rowOf(`plain: ${what}, ${loadText}`, unit, samples.plain.map((s) => s[key]));
  return [plain, ...(['tls', 'tlsAuth'] as const).map((v) => rowOf(`${v}: ${what}, ${loadText}`, unit, samples[v].map((s) => s[key]), { baseline: plain }))];
};
emitRows([...rowsFor('putsPerSecond', 'puts/s', 'puts/s'), ...rowsFor('p99Ms', 'put latency p99', 'ms')]);
