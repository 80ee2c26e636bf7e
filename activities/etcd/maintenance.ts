// etcd maintenance: defragment one member, compact the keyspace, disarm a NOSPACE alarm. Each is
// safe to repeat (defragmenting twice or compacting to a revision already compacted changes nothing).
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { AlarmAction, AlarmType } from 'etcd3';
import type { ClusterKey } from '../../domain/types.ts';
import { alarmName } from '../observe.ts';
import { etcdAccess, type EtcdAccess } from './client.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from '../kube/cluster.ts';
import { notYet } from '../not-yet.ts';

/** etcd's --quota-backend-bytes default. */
const DEFAULT_QUOTA = 2 * 1024 ** 3;
const MiB = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

export function maintenanceActivities({ kube, callTimeoutMs = 5000, defragTimeoutMs = 10 * 60_000 }: { kube: Kube; callTimeoutMs?: number; defragTimeoutMs?: number }) {
  async function access(key: ClusterKey): Promise<EtcdAccess & { eps: Map<string, string> }> {
    const etcd = await etcdAccess(kube, key);
    if (!etcd.endpoints.size) throw notYet('no member pod has an address');
    return { ...etcd, eps: etcd.endpoints };
  }

  return {
    /**
     * Defragments one member (it stops serving while it rewrites its backend file): returns its
     * database size before and after. Heartbeats while etcd works, so a lost worker is noticed.
     */
    async defragmentMember(key: ClusterKey, member: string): Promise<{ before: number; after: number }> {
      const etcd = await access(key);
      const ep = etcd.eps.get(member);
      if (!ep) throw notYet(`${member} has no running pod`);
      const before = Number((await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs)).dbSize);
      const beat = setInterval(() => heartbeat({ member }), 2000);
      try {
        await etcd.with(ep, (c) => c.maintenance.defragment(), defragTimeoutMs);
      } catch (err) {
        throw notYet(`defragmenting ${member}: ${(err as Error).message}`);
      } finally {
        clearInterval(beat);
      }
      const after = Number((await etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs)).dbSize);
      return { before, after };
    },

    /** Compacts away every revision before the current one (physically, so defragmentation can free it). Returns the revision. */
    async compactToCurrent(key: ClusterKey): Promise<number> {
      const etcd = await access(key);
      return etcd.with([...etcd.eps.values()], async (c) => {
        const revision = (await c.maintenance.status()).header.revision;
        try {
          await c.kv.compact({ revision, physical: true });
        } catch (err) {
          if (!/has been compacted/i.test((err as Error).message)) throw notYet(`compacting to ${revision}: ${(err as Error).message}`);
        }
        return Number(revision);
      }, callTimeoutMs);
    },

    /**
     * Disarms NOSPACE once every member's backend fits spec.options.quotaBackendBytes again; refuses
     * (non-retryable) when the live data itself does not fit: disarming then would only raise it again.
     */
    async disarmNoSpace(key: ClusterKey): Promise<number> {
      const c = await loadCluster(kube, key);
      const quota = c?.spec.options.quotaBackendBytes || DEFAULT_QUOTA;
      const etcd = await access(key);
      const { eps } = etcd;
      for (const [member, ep] of eps) {
        const { dbSize } = await etcd.with(ep, (x) => x.maintenance.status(), callTimeoutMs);
        if (Number(dbSize) >= quota * 0.95) {
          throw ApplicationFailure.nonRetryable(`${member} still holds ${MiB(Number(dbSize))} after compaction and defragmentation, at spec.options.quotaBackendBytes (${MiB(quota)}): raise the quota or delete keys; the NOSPACE alarm stays`, 'QuotaTooSmall');
        }
      }
      return etcd.with([...eps.values()], async (x) => {
        const { alarms } = await x.maintenance.alarm({ action: AlarmAction.Get, memberID: '0', alarm: AlarmType.None });
        const noSpace = (alarms ?? []).filter((a) => alarmName(a.alarm) === 'NOSPACE');
        for (const a of noSpace) await x.maintenance.alarm({ action: AlarmAction.Deactivate, memberID: a.memberID, alarm: AlarmType.Nospace });
        return noSpace.length;
      }, callTimeoutMs);
    },
  };
}
