// Reads the etcd cluster itself: membership, per-member status, and a linearizable read.
// Members are reached by pod IP, which works from inside the cluster and from the node's host.
import { ApplicationFailure } from '@temporalio/activity';
import type { V1Pod } from '@kubernetes/client-node';
import { etcdAccess, hexId as hex, wireMemberName, type EtcdAccess } from './client.ts';
import type { ClusterKey, MemberHealth } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { memberHealthy } from '../../domain/health.ts';
import { failIfUnschedulable } from '../kube/unschedulable.ts';
import { notYet } from '../not-yet.ts';

/** "member db-0 cannot start: image X cannot be pulled (ImagePullBackOff)", once kubelet has given up a first time. */
export function imagePullProblem(pod: V1Pod): string | undefined {
  const cs = pod.status?.containerStatuses?.find((c) => /ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(c.state?.waiting?.reason ?? ''));
  return cs && `member ${pod.metadata?.name} cannot start: image ${cs.image} cannot be pulled (${cs.state!.waiting!.reason}${cs.state!.waiting!.message ? `: ${cs.state!.waiting!.message}` : ''})`;
}

/** A failure message that says an image cannot be pulled (the wording above and of helper pods): a spec problem. */
export const isImagePullFailure = (message: string): boolean => /image \S+ cannot be pulled/.test(message);

export interface EtcdDeps { kube: Kube; callTimeoutMs?: number }

export function etcdActivities({ kube, callTimeoutMs = 5000 }: EtcdDeps) {
  /** What each member says of itself; unreachable members are listed unhealthy. */
  async function observe(key: ClusterKey, access?: EtcdAccess): Promise<MemberHealth[]> {
    const etcd = access ?? await etcdAccess(kube, key);
    const { endpoints } = etcd;
    const client = (hosts: string[]) => etcd.client(hosts, callTimeoutMs);
    if (!endpoints.size) return [];
    const c = client([...endpoints.values()]);
    try {
      const { members } = await c.cluster.memberList({ linearizable: true });
      return await Promise.all(members.map(async (m): Promise<MemberHealth> => {
        const base = { name: wireMemberName(m), id: hex(m.ID), peerURL: m.peerURLs[0] ?? '', clientURL: m.clientURLs[0] ?? '', learner: Boolean(m.isLearner) };
        const ep = endpoints.get(m.name);
        if (!ep) return { ...base, leader: false, healthy: false };
        const one = client([ep]);
        try {
          const s = await one.maintenance.status();
          return { ...base, leader: s.leader === m.ID, version: s.version, healthy: memberHealthy(s) };
        } catch {
          return { ...base, leader: false, healthy: false };
        } finally {
          one.close();
        }
      }));
    } finally {
      c.close();
    }
  }

  return {
    /**
     * Poll: succeeds when the membership is exactly `expected`, all voters, all healthy, and the
     * cluster answers a linearizable read; otherwise fails with what is missing (retried).
     */
    async checkClusterReady(key: ClusterKey, expected: string[]): Promise<MemberHealth[]> {
      // A member whose image cannot be pulled never gets ready by waiting: say so now.
      const etcd = await etcdAccess(kube, key);
      const stuck = etcd.pods.map((p) => imagePullProblem(p)).find(Boolean);
      if (stuck) throw ApplicationFailure.nonRetryable(`${stuck}: fix spec.version or spec.repository`, 'ImagePull');
      // One no node takes is said (the wait goes on: a node may come back).
      for (const pod of etcd.pods) await failIfUnschedulable(kube, key, pod);
      let members: MemberHealth[];
      try {
        members = await observe(key, etcd);
      } catch (err) {
        throw notYet(`etcd not reachable yet: ${(err as Error).message}`);
      }
      const names = members.map((m) => m.name).sort();
      const want = [...expected].sort();
      if (names.join() !== want.join()) throw notYet(`members [${names}] != expected [${want}]`);
      const notReady = members.filter((m) => !m.healthy || m.learner);
      if (notReady.length) throw notYet(`not healthy voters yet: ${notReady.map((m) => m.name)}`);
      const c = etcd.client([...etcd.endpoints.values()], callTimeoutMs);
      try {
        await c.get('etcd-operator/linearizable-probe').string(); // linearizable by default
      } catch (err) {
        throw notYet(`linearizable read failed: ${(err as Error).message}`);
      } finally {
        c.close();
      }
      return members;
    },
  };
}
