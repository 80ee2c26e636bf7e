// What the second operator replica costs the API server: the operator installed from its image
// (test/support/install.ts), watching one namespace with one 3-member cluster, measured over an
// idle window at 1 replica (the baseline) and then at 2. Read from the API server's own metrics:
// open watches on the resources the operator watches, requests per minute on our resources (no
// other client touches those), and watch events sent for them. Run it on an otherwise idle stack:
// the counters are the whole API server's.
// Usage: node --import tsx bench/replicas.ts [--window S]
import { execFileSync } from 'node:child_process';
import { ensureStack } from '../test/support/stack.ts';
import { kubectl, tempNamespace } from '../test/support/kube.ts';
import { clusterYaml, waitAvailable } from '../test/support/clusters.ts';
import { applyInstall, buildOperatorImage, deleteInstall, rolloutStatus, writeInstallOverlay } from '../test/support/install.ts';
import { benchArgs } from './support/args.ts';
import { emitRows, rowsOf } from './support/rows.ts';

// One idle window per replica count; --runs is not an option here.
const { window: windowS } = benchArgs({ window: 120 });
const OURS = ['etcdclusters', 'etcdbackups', 'etcdusers'];
const WATCHED = [...OURS, 'pods'];

/** Sums of the API server's metric samples whose labels pass `keep`. */
function scrape(): { line: string; name: string; labels: Record<string, string>; value: number }[] {
  // The API server's metrics are several MB: more than kubectl()'s default buffer.
  const text = execFileSync('kubectl', ['get', '--raw', '/metrics'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return text.split('\n').flatMap((line) => {
    const m = /^([a-z_]+)\{([^}]*)\} ([0-9.e+-]+)$/.exec(line);
    if (!m) return [];
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    return [{ line, name: m[1]!, labels, value: Number(m[3]) }];
  });
}
const sum = (samples: ReturnType<typeof scrape>, name: string, keep: (l: Record<string, string>) => boolean) =>
  samples.filter((s) => s.name === name && keep(s.labels)).reduce((a, s) => a + s.value, 0);

interface Sample { replicas: number; openWatches: number; requestsPerMin: number; watchEventsPerMin: number }

async function measure(replicas: number, deployment: string, namespace: string): Promise<Sample> {
  kubectl(['scale', '-n', namespace, `deploy/${deployment}`, `--replicas=${replicas}`]);
  kubectl(['rollout', 'status', '-n', namespace, `deploy/${deployment}`, '--timeout=240s']);
  await new Promise((r) => setTimeout(r, 15_000)); // informers listed, first resync done
  const a = scrape();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  const b = scrape();
  const perMin = (name: string, keep: (l: Record<string, string>) => boolean) => ((sum(b, name, keep) - sum(a, name, keep)) * 60) / windowS;
  return {
    replicas,
    openWatches: sum(b, 'apiserver_longrunning_requests', (l) => l.verb === 'WATCH' && WATCHED.includes(l.resource ?? '')),
    requestsPerMin: perMin('apiserver_request_total', (l) => OURS.includes(l.resource ?? '')),
    watchEventsPerMin: perMin('apiserver_watch_events_total', (l) => OURS.some((r) => (l.resource ?? l.kind ?? '').toLowerCase().startsWith(r.slice(0, -1)))),
  };
}

ensureStack();
buildOperatorImage();
const { ns, cleanup } = tempNamespace('bench-replicas');
const install = writeInstallOverlay({ from: 'overlays/local-stack', suffix: `b${Date.now().toString(36)}`, watch: [ns] });
try {
  applyInstall(install);
  rolloutStatus(install);
  kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('bench', { size: 3, storage: { size: '64Mi' } }));
  await waitAvailable(ns, 'bench', 300_000);
  const one = await measure(1, install.deployment, install.namespace);
  const two = await measure(2, install.deployment, install.namespace);
  const ratio = (k: keyof Sample) => (one[k] ? Number((two[k] / one[k]).toFixed(2)) : null);
  const result = { windowSeconds: windowS, baseline: one, twoReplicas: two, ratio: { openWatches: ratio('openWatches'), requestsPerMin: ratio('requestsPerMin'), watchEventsPerMin: ratio('watchEventsPerMin') } };
  console.log(JSON.stringify(result, null, 2));
  console.log('\nreplicas  open watches  requests/min (our kinds)  watch events/min (our kinds)');
  for (const s of [one, two]) console.log(`${String(s.replicas).padEnd(9)} ${String(s.openWatches).padEnd(13)} ${s.requestsPerMin.toFixed(1).padEnd(25)} ${s.watchEventsPerMin.toFixed(1)}`);

  const rowOf = rowsOf('replicas');
  const measures: [keyof Sample, string, string][] = [['openWatches', 'open watches (our kinds and pods)', 'watches'], ['requestsPerMin', 'API requests per minute (our kinds)', 'req/min'], ['watchEventsPerMin', 'watch events per minute (our kinds)', 'events/min']];
  emitRows(measures.flatMap(([k, what, unit]) => {
    const base = rowOf(`${what}, 1 replica`, unit, [one[k]]);
    return [base, rowOf(`${what}, 2 replicas`, unit, [two[k]], { baseline: base })];
  }));
} finally {
  kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=180s']);
  deleteInstall(install);
  kubectl(['delete', 'namespace', install.namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
  cleanup();
}
