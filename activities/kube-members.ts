// Activities that create and remove the Kubernetes side of a cluster: Services, PDB, and one
// Pod + PVC per member. Each is one idempotent step; names are deterministic.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { clientServiceName, headlessServiceName, pdbName, pvcName } from '../k8s/api.ts';
import { imageFor } from '../k8s/cluster-spec.ts';
import { initialCluster } from '../k8s/manifests/initial-cluster.ts';
import { memberPod } from '../k8s/manifests/member-pod.ts';
import { memberPVC } from '../k8s/manifests/member-pvc.ts';
import { selectorString } from '../k8s/manifests/owner.ts';
import { podDisruptionBudget } from '../k8s/manifests/pdb.ts';
import { clientService, headlessService } from '../k8s/manifests/services.ts';
import type { ClusterKey } from '../workflows/types.ts';
import type { Kube } from './kube-client.ts';
import { loadCluster } from './kube-cluster.ts';

export interface MembersDeps { kube: Kube; defaultRepository: string }

export interface MemberPlan {
  member: string;
  /** Every member of the initial cluster (bootstrap) or the current membership plus this one (join). */
  initialMembers: string[];
  state: 'new' | 'existing';
}

const header = (apiVersion: string, kind: string, namespace: string, name: string): KubernetesObject => ({ apiVersion, kind, metadata: { namespace, name } });

export function memberActivities({ kube, defaultRepository }: MembersDeps) {
  async function load(key: ClusterKey) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, 'ClusterGone');
    return c;
  }

  return {
    async applyServices(key: ClusterKey): Promise<void> {
      const { ref } = await load(key);
      await kube.apply(headlessService(ref));
      await kube.apply(clientService(ref));
      await kube.apply(podDisruptionBudget(ref));
    },

    /**
     * Creates the member's PVC and Pod. A Pod that already exists is left as it is: its flags
     * only matter at first start, and etcd ignores them once its data dir holds data, so a retry
     * can never re-bootstrap a member.
     */
    async applyMember(key: ClusterKey, plan: MemberPlan): Promise<'created' | 'exists'> {
      const { ref, spec } = await load(key);
      if (!spec.storage.emptyDir) await kube.apply(memberPVC(ref, plan.member));
      const existing = await kube.read<V1Pod>(header('v1', 'Pod', key.namespace, plan.member));
      if (existing && !existing.metadata?.deletionTimestamp) return 'exists';
      await kube.apply(memberPod({
        cluster: ref,
        member: plan.member,
        initialCluster: initialCluster(key.name, key.namespace, plan.initialMembers),
        initialClusterState: plan.state,
        image: imageFor(spec, defaultRepository),
      }));
      return 'created';
    },

    /** Deletes every member pod, the Services and the PDB; "not found" is success. */
    async deleteClusterObjects(key: ClusterKey): Promise<number> {
      const pods = await kube.listPods(key.namespace, selectorString(key.name));
      for (const p of pods) await kube.delete(header('v1', 'Pod', key.namespace, p.metadata!.name!));
      await kube.delete(header('v1', 'Service', key.namespace, headlessServiceName(key.name)));
      await kube.delete(header('v1', 'Service', key.namespace, clientServiceName(key.name)));
      await kube.delete(header('policy/v1', 'PodDisruptionBudget', key.namespace, pdbName(key.name)));
      return pods.length;
    },

    /** Poll: fails (to be retried) while member pods still exist. */
    async waitPodsGone(key: ClusterKey): Promise<void> {
      const left = await kube.listPods(key.namespace, selectorString(key.name));
      if (left.length) throw ApplicationFailure.retryable(`${left.length} member pods still terminating`, 'NotYet');
    },

    /** PVCs: deleted, or (retainOnDelete) kept and released from the cluster's ownership. */
    async releaseVolumes(key: ClusterKey, retain: boolean): Promise<{ deleted: string[]; kept: string[] }> {
      const pvcs = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: selectorString(key.name) })).items;
      const out = { deleted: [] as string[], kept: [] as string[] };
      for (const pvc of pvcs) {
        const name = pvc.metadata!.name!;
        const h = header('v1', 'PersistentVolumeClaim', key.namespace, name);
        if (retain) {
          await kube.mergePatch(h, { metadata: { name, namespace: key.namespace, ownerReferences: null } });
          out.kept.push(name);
        } else {
          await kube.delete(h);
          out.deleted.push(name);
        }
      }
      return out;
    },
  };
}

export { pvcName };
