// Per-cluster gauges for Prometheus, read from the watchers' informer caches when scraped (no API
// call): members desired / ready / healthy, each condition, quorum lost, leader changes, and the last
// successful backup (time, size, age). Labels: namespace, cluster.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import type { EtcdBackupObject } from '../k8s/backup-objects.ts';
import { scheduleIntervalSeconds } from '../domain/schedule-interval.ts';

const CONDITIONS = ['Available', 'Progressing', 'Degraded', 'SpecValid'] as const;
const STATUSES = ['True', 'False', 'Unknown'] as const;

export interface ClusterSources { clusters: () => EtcdCluster[]; backups: () => EtcdBackupObject[]; now?: () => Date }

const labelsOf = (c: EtcdCluster) => ({ namespace: c.metadata.namespace ?? '', cluster: c.metadata.name ?? '' });
const leaderOf = (c: EtcdCluster) => c.status?.members?.find((m) => m.leader)?.name;
const quorumLost = (c: EtcdCluster) => c.status?.conditions?.some((x) => (x.type === 'Available' && x.status === 'False') || (x.type === 'Degraded' && x.status === 'True' && x.reason === 'QuorumLost')) ?? false;

/** The latest Succeeded backup of each cluster (by namespace/cluster). */
export function lastBackups(backups: EtcdBackupObject[]): Map<string, { at: number; sizeBytes: number }> {
  const out = new Map<string, { at: number; sizeBytes: number }>();
  for (const b of backups) {
    if (b.status?.phase !== 'Succeeded' || !b.status.completedAt) continue;
    const at = Date.parse(b.status.completedAt);
    const key = `${b.metadata.namespace}/${(b.spec as { clusterName?: string } | undefined)?.clusterName}`;
    if (Number.isFinite(at) && at > (out.get(key)?.at ?? -Infinity)) out.set(key, { at, sizeBytes: b.status.sizeBytes ?? 0 });
  }
  return out;
}

export class ClusterMetrics {
  private readonly leaders = new Map<string, string>();
  private readonly leaderChanges: Counter<'namespace' | 'cluster'>;

  constructor(registry: Registry, src: ClusterSources) {
    const now = src.now ?? (() => new Date());
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
      new Gauge({ name, help, labelNames, registers: [registry], collect(this: Gauge) { this.reset(); collect(this); } });
    const perCluster = (name: string, help: string, value: (c: EtcdCluster) => number | undefined) =>
      gauge(name, help, ['namespace', 'cluster'], (g) => { for (const c of src.clusters()) { const v = value(c); if (v !== undefined) g.set(labelsOf(c), v); } });

    perCluster('etcd_cluster_members_desired', 'Members the spec asks for (spec.size).', (c) => (c.spec as { size?: number } | undefined)?.size ?? 3);
    perCluster('etcd_cluster_members_ready', 'Members that are healthy voters (status.readyMembers).', (c) => c.status?.readyMembers ?? 0);
    perCluster('etcd_cluster_members_healthy', 'Members etcd reports healthy, learners included.', (c) => c.status?.members?.filter((m) => m.healthy).length ?? 0);
    perCluster('etcd_cluster_quorum_lost', '1 while the cluster has lost quorum (Available=False or Degraded QuorumLost).', (c) => Number(quorumLost(c)));
    gauge('etcd_cluster_condition', 'The status of each condition of each cluster (1 for the current status).', ['namespace', 'cluster', 'condition', 'status'], (g) => {
      for (const c of src.clusters()) {
        for (const type of CONDITIONS) {
          const current = c.status?.conditions?.find((x) => x.type === type)?.status ?? 'Unknown';
          for (const status of STATUSES) g.set({ ...labelsOf(c), condition: type, status: status.toLowerCase() }, Number(current === status));
        }
      }
    });
    gauge('etcd_operator_clusters', 'Clusters by condition and status.', ['condition', 'status'], (g) => {
      for (const type of CONDITIONS) {
        for (const status of STATUSES) g.set({ condition: type, status: status.toLowerCase() }, src.clusters().filter((c) => (c.status?.conditions?.find((x) => x.type === type)?.status ?? 'Unknown') === status).length);
      }
    });
    const backupOf = (c: EtcdCluster) => lastBackups(src.backups()).get(`${c.metadata.namespace}/${c.metadata.name}`);
    perCluster('etcd_cluster_last_backup_timestamp_seconds', 'When the latest successful backup completed (Unix time).', (c) => { const b = backupOf(c); return b && b.at / 1000; });
    perCluster('etcd_cluster_last_backup_size_bytes', 'Size of the latest successful backup.', (c) => backupOf(c)?.sizeBytes);
    perCluster('etcd_cluster_backup_interval_seconds', 'The usual gap between two scheduled backups (spec.backup.schedule); absent without a schedule or for an unusual cron.',
      (c) => { const sched = (c.spec as { backup?: { schedule?: string } } | undefined)?.backup?.schedule; return sched ? scheduleIntervalSeconds(sched) : undefined; });
    perCluster('etcd_cluster_seconds_since_last_backup', 'Seconds since the latest successful backup completed.', (c) => { const b = backupOf(c); return b && Math.max(0, (now().getTime() - b.at) / 1000); });
    this.leaderChanges = new Counter({ name: 'etcd_cluster_leader_changes_total', help: 'Leader changes seen in the cluster status (by this replica\'s watcher).', labelNames: ['namespace', 'cluster'], registers: [registry] });
  }

  /** Every add/update of a cluster: counts a leader that differs from the last one seen. */
  observe(c: EtcdCluster): void {
    const uid = c.metadata.uid ?? '';
    const leader = leaderOf(c);
    if (!leader) return;
    const before = this.leaders.get(uid);
    if (before !== undefined && before !== leader) this.leaderChanges.inc(labelsOf(c));
    this.leaders.set(uid, leader);
  }

  forget(uid: string): void {
    this.leaders.delete(uid);
  }
}
