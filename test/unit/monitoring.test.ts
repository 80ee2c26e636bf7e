// deploy/monitoring: every metric its alerts and dashboard use is one the operator exports, under
// that name (a rename would otherwise silence an alert without a word).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { parseAllDocuments } from 'yaml';
import { registry } from '../../activities/metrics.ts';
import { ClusterMetrics } from '../../client/cluster-metrics.ts';

const file = (name: string) => readFileSync(new URL(`../../deploy/monitoring/${name}`, import.meta.url), 'utf8');

async function exported(): Promise<Set<string>> {
  const clusters = new Registry();
  new ClusterMetrics(clusters, { clusters: () => [], backups: () => [] });
  const names = [...(await registry.getMetricsAsJSON()), ...(await clusters.getMetricsAsJSON())].map((m) => m.name);
  return new Set(names);
}
const used = (text: string) => [...new Set([...text.matchAll(/\b((?:etcd_|process_)[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')))];

describe('deploy/monitoring', () => {
  it('the alerts use only metrics the operator exports', async () => {
    const rule = parseAllDocuments(file('prometheusrule.yaml'))[0]!.toJS() as { spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
    const have = await exported();
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    assert.deepEqual(rules.map((r) => r.alert).sort(), ['EtcdClusterDegraded', 'EtcdClusterMembersNotReady', 'EtcdClusterNoRecentBackup', 'EtcdClusterQuorumLost', 'EtcdOperatorOperationFailing']);
    for (const r of rules) for (const m of used(r.expr)) assert.ok(have.has(m), `${r.alert}: ${m} is not exported`);
  });
  it('the dashboard uses only metrics the operator exports', async () => {
    const have = await exported();
    const dash = JSON.parse(file('grafana-dashboard.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
    for (const p of dash.panels) for (const t of p.targets) for (const m of used(t.expr)) assert.ok(have.has(m), `panel ${p.title}: ${m} is not exported`);
  });
  it('the ServiceMonitor scrapes the metrics Service\'s port at /metrics', () => {
    const sm = parseAllDocuments(file('servicemonitor.yaml'))[0]!.toJS() as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] } };
    const svc = parseAllDocuments(file('service.yaml'))[0]!.toJS() as { metadata: { labels: Record<string, string> }; spec: { ports: { name: string }[] } };
    for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, k);
    assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [[svc.spec.ports[0]!.name, '/metrics']]);
  });
});
