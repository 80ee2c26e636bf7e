// Starting restored members whose pods were made beside their restores (workflows/restore-steps.ts):
// each pod waits at its join gate while its volume is restored; the gates open together, once every
// volume holds the snapshot, so no member starts on a half-restored cluster, and every member's
// address is published before any etcd looks its peers up.
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { initialCluster } from '../../k8s/manifests/initial-cluster.ts';
import { belongsTo } from '../../k8s/manifests/owner.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { loadCluster } from '../kube/cluster.ts';
import { failIfJoinGateStuck, nudgeJoinGate, openJoinGate, pastGate } from '../kube/join-gate.ts';
import { notYet } from '../not-yet.ts';
import { readPod } from './helper-pods.ts';
import { RESTORED_ANNOTATION, claimOf } from './restore.ts';

export function restoredGateActivities({ kube }: { kube: Kube }) {
  return {
    /**
     * Poll: opens the gates of `members`' pods (their --initial-cluster written on each) once every
     * member's volume is marked restored from `sha256`, and waits until each pod is past its gate,
     * nudging the kubelet when it misses the write. A volume not restored from this snapshot opens
     * no gate at all.
     */
    async openRestoredGates(key: ClusterKey, plan: { members: string[]; sha256: string }): Promise<void> {
      const c = await loadCluster(kube, key);
      if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} is gone`, 'ClusterGone');
      for (const member of plan.members) {
        const claim = await kube.read<V1PersistentVolumeClaim>(claimOf(key, member));
        if (!claim || !belongsTo(claim.metadata, key.uid) || claim.metadata?.annotations?.[RESTORED_ANNOTATION] !== plan.sha256) {
          throw ApplicationFailure.nonRetryable(`the volume of ${member} does not hold snapshot ${plan.sha256.slice(0, 12)}: no member is started`, 'NotRestored');
        }
      }
      const pods: V1Pod[] = [];
      for (const member of plan.members) {
        const pod = await readPod(kube, key.namespace, member);
        if (!pod || pod.metadata?.deletionTimestamp) throw notYet(`the pod of ${member} does not exist`);
        if (!belongsTo(pod.metadata, key.uid)) throw ApplicationFailure.nonRetryable(`Pod ${member} belongs to another cluster`, 'PodConflict');
        pods.push(pod);
      }
      const cluster = initialCluster(key.name, key.namespace, plan.members, Boolean(c.spec.tls));
      const shut: string[] = [];
      for (const pod of pods) {
        if (pastGate(pod)) continue;
        failIfJoinGateStuck(pod);
        await openJoinGate(kube, key, pod, cluster);
        await nudgeJoinGate(kube, key, pod);
        shut.push(pod.metadata!.name!);
      }
      if (shut.length) throw notYet(`the join gates of ${shut.join(', ')} have not opened yet`);
    },
  };
}
