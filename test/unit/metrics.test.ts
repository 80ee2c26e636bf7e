// The operator's metrics, from known inputs: operations counted by type and result with their
// durations, and the per-cluster gauges read from cached objects (members, conditions, quorum, leader
// changes, the last successful backup).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ClusterMetrics, lastBackups } from '../../client/cluster-metrics.ts';
import { operationFinished, operationStarted, registry as operatorRegistry } from '../../activities/metrics.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import type { EtcdBackupObject } from '../../k8s/backup-objects.ts';

const value = async (r: Registry, name: string, labels: Record<string, string>) => {
  const m = (await r.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
  return m?.value;
};
const cluster = (name: string, o: { size?: number; ready?: number; leader?: string; conditions?: [string, string, string?][] } = {}): EtcdCluster => ({
  metadata: { name, namespace: 'ns', uid: `${name}-uid` },
  spec: { size: o.size ?? 3 },
  status: {
    readyMembers: o.ready ?? 3,
    members: ['a', 'b', 'c'].map((m, i) => ({ name: `${name}-${i}`, id: m, peerURL: '', leader: `${name}-${i}` === (o.leader ?? `${name}-0`), learner: false, healthy: i < (o.ready ?? 3) })),
    conditions: (o.conditions ?? [['Available', 'True']]).map(([type, status, reason]) => ({ type, status, reason: reason ?? 'X', lastTransitionTime: '2026-12-02T10:00:00Z' })),
  },
} as EtcdCluster);
const backup = (clusterName: string, completedAt: string, sizeBytes: number, phase = 'Succeeded'): EtcdBackupObject => ({ metadata: { name: `b-${completedAt}`, namespace: 'ns' }, spec: { clusterName }, status: { phase, completedAt, sizeBytes } } as EtcdBackupObject);

describe('operation metrics', () => {
  it('counts started and finished operations by type and result, and observes durations from their first step', async () => {
    const before = (await value(operatorRegistry, 'etcd_operator_operations_total', { type: 'Scale', result: 'succeeded' })) ?? 0;
    operationStarted('Scale');
    operationFinished('Scale', 'Succeeded', '2026-12-02T10:00:00Z', new Date('2026-12-02T10:00:42Z'));
    assert.equal(await value(operatorRegistry, 'etcd_operator_operations_total', { type: 'Scale', result: 'succeeded' }), before + 1);
    assert.ok(((await value(operatorRegistry, 'etcd_operator_operations_total', { type: 'Scale', result: 'started' })) ?? 0) >= 1);
    const text = await operatorRegistry.getSingleMetricAsString('etcd_operator_operation_duration_seconds');
    assert.match(text, /etcd_operator_operation_duration_seconds_sum\{type="Scale",result="succeeded"\} 42/);
  });
});

describe('cluster metrics', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  let clusters = [cluster('db', { size: 5, ready: 2, conditions: [['Available', 'False', 'QuorumLost'], ['Degraded', 'True', 'QuorumLost']] }), cluster('ok')];
  const r = new Registry();
  const m = new ClusterMetrics(r, { clusters: () => clusters, backups: () => [backup('ok', '2026-12-02T11:00:00Z', 1000), backup('ok', '2026-12-02T11:30:00Z', 2000), backup('ok', '2026-12-02T11:50:00Z', 9, 'Failed')], now: () => now });

  it('members desired, ready and healthy per cluster', async () => {
    assert.deepEqual(await Promise.all(['etcd_cluster_members_desired', 'etcd_cluster_members_ready', 'etcd_cluster_members_healthy'].map((n) => value(r, n, { cluster: 'db' }))), [5, 2, 2]);
  });
  it('quorum lost and each condition', async () => {
    assert.equal(await value(r, 'etcd_cluster_quorum_lost', { cluster: 'db' }), 1);
    assert.equal(await value(r, 'etcd_cluster_quorum_lost', { cluster: 'ok' }), 0);
    assert.equal(await value(r, 'etcd_cluster_condition', { cluster: 'db', condition: 'Available', status: 'false' }), 1);
    assert.equal(await value(r, 'etcd_cluster_condition', { cluster: 'db', condition: 'Available', status: 'true' }), 0);
    assert.equal(await value(r, 'etcd_operator_clusters', { condition: 'Available', status: 'true' }), 1);
  });
  it('the latest successful backup: time, size and age (a later failed one does not count)', async () => {
    assert.equal(await value(r, 'etcd_cluster_last_backup_size_bytes', { cluster: 'ok' }), 2000);
    assert.equal(await value(r, 'etcd_cluster_seconds_since_last_backup', { cluster: 'ok' }), 1800);
    assert.equal(await value(r, 'etcd_cluster_last_backup_timestamp_seconds', { cluster: 'ok' }), Date.parse('2026-12-02T11:30:00Z') / 1000);
    assert.equal(await value(r, 'etcd_cluster_seconds_since_last_backup', { cluster: 'db' }), undefined, 'no backup: no series');
    assert.equal(lastBackups([]).size, 0);
  });
  it('leader changes counted per cluster as they are seen; a deleted cluster\'s series go', async () => {
    m.observe(cluster('ok', { leader: 'ok-0' }));
    m.observe(cluster('ok', { leader: 'ok-0' }));
    m.observe(cluster('ok', { leader: 'ok-1' }));
    m.observe(cluster('ok', { leader: 'ok-2' }));
    assert.equal(await value(r, 'etcd_cluster_leader_changes_total', { cluster: 'ok' }), 2);
    clusters = [];
    assert.equal(await value(r, 'etcd_cluster_members_desired', { cluster: 'db' }), undefined);
  });
});
