// Activities that create and remove the Kubernetes side of a cluster: Services, PDB, and one
// Pod + PVC per member. Each is one idempotent step; names are deterministic.
import type { KubernetesObject, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { BOOTSTRAPPED_ANNOTATION, LABELS, clientServiceName, headlessServiceName, pdbName, pvcName } from '../../k8s/api.ts';
import { imageFor } from '../../k8s/cluster-spec.ts';
import { initialCluster } from '../../k8s/manifests/initial-cluster.ts';
import { ETCD_CONTAINER, memberPod, podTemplateHash } from '../../k8s/manifests/member-pod.ts';
import { memberPVC } from '../../k8s/manifests/member-pvc.ts';
import { belongsTo, ownedBy, selectorString } from '../../k8s/manifests/owner.ts';
import { podDisruptionBudget } from '../../k8s/manifests/pdb.ts';
import { clientService, headlessService } from '../../k8s/manifests/services.ts';
import { networkPolicy, networkPolicyName } from '../../k8s/manifests/network-policy.ts';
import { podOutdated } from '../../domain/members.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { observePod } from '../observe.ts';
import { clusterPods } from '../etcd/client.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from './cluster.ts';
import { applyOwned } from './owned-objects.ts';
import { nodeLost, pinnedNode, podNode } from './placement.ts';
import { logSideEffect } from '../side-effects.ts';
import { notYet } from '../not-yet.ts';

export interface MembersDeps {
  kube: Kube;
  defaultRepository: string;
  /** Image of a joining member's join gate (a POSIX shell). */
  toolsImage: string;
}

export interface MemberPlan {
  member: string;
  /** Every member of the initial cluster (bootstrap) or the current membership plus this one (join). */
  initialMembers: string[];
  state: 'new' | 'existing';
  /** Restart of a member on its own data: the volume must exist (a new, empty one would make it rejoin without its data). */
  requireVolume?: boolean;
  /** A joining member whose pod starts before etcd has it: it waits at its join gate (initialMembers unused). */
  joinGate?: boolean;
}

/** No container of the pod ever ran (unscheduled, or its image never pulled). */
function neverStarted(pod: V1Pod): boolean {
  const cs = pod.status?.containerStatuses?.find((c) => c.name === ETCD_CONTAINER);
  return !cs || (!cs.state?.running && !cs.state?.terminated && !cs.lastState?.running && !cs.lastState?.terminated && (cs.restartCount ?? 0) === 0);
}

const header = (apiVersion: string, kind: string, namespace: string, name: string): KubernetesObject => ({ apiVersion, kind, metadata: { namespace, name } });

export function memberActivities({ kube, defaultRepository, toolsImage }: MembersDeps) {
  async function load(key: ClusterKey) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, 'ClusterGone');
    return c;
  }

  return {
    async applyServices(key: ClusterKey): Promise<void> {
      const { ref } = await load(key);
      // Each is created, or changed only when ours: a namesake someone else made is a NameConflict.
      await applyOwned(kube, headlessService(ref), key.uid);
      await applyOwned(kube, clientService(ref), key.uid);
      await applyOwned(kube, podDisruptionBudget(ref), key.uid);
      await applyOwned(kube, networkPolicy(ref), key.uid);
    },


    /** The PodDisruptionBudget for the voters etcd has now (it follows every membership change). */
    async applyDisruptionBudget(key: ClusterKey, voters: number): Promise<void> {
      const { ref } = await load(key);
      await applyOwned(kube, podDisruptionBudget(ref, Math.max(1, voters)), key.uid);
    },

    /**
     * Creates the member's PVC and Pod. A Pod that already exists is left as it is: its flags
     * only matter at first start, and etcd ignores them once its data dir holds data, so a retry
     * can never re-bootstrap a member. A failed (evicted, completed) pod is deleted first. Only
     * Create, before the cluster ever formed, may start a member as `new`.
     */
    async applyMember(key: ClusterKey, plan: MemberPlan): Promise<'created' | 'exists'> {
      const { obj, ref, spec } = await load(key);
      // The annotation is written once Create has succeeded (or a formed cluster is adopted). Until
      // then a retried Create step may still re-create a lost emptyDir member as `new`: a known gap.
      if (plan.state === 'new' && obj.metadata.annotations?.[BOOTSTRAPPED_ANNOTATION] === 'true') {
        throw ApplicationFailure.nonRetryable(`${plan.member} cannot start as a new cluster member: the cluster bootstrapped already`, 'AlreadyBootstrapped');
      }
      if (!spec.storage.emptyDir) {
        const claim = await kube.read<V1PersistentVolumeClaim>(header('v1', 'PersistentVolumeClaim', key.namespace, pvcName(plan.member)));
        if (claim && !belongsTo(claim.metadata, key.uid)) {
          throw ApplicationFailure.nonRetryable(`PersistentVolumeClaim ${pvcName(plan.member)} belongs to another cluster: delete it or rename this one`, 'VolumeConflict');
        }
        if (!claim && plan.requireVolume) throw ApplicationFailure.nonRetryable(`the volume of ${plan.member} is gone: the member must be replaced, not restarted`, 'VolumeGone');
        if (claim?.metadata?.deletionTimestamp) throw notYet(`the volume of ${plan.member} is being deleted`);
        await kube.apply(memberPVC(ref, plan.member));
      }
      const existing = await kube.read<V1Pod>(header('v1', 'Pod', key.namespace, plan.member));
      if (existing && !belongsTo(existing.metadata, key.uid)) {
        throw ApplicationFailure.nonRetryable(`Pod ${plan.member} belongs to another cluster`, 'PodConflict');
      }
      if (existing?.metadata?.deletionTimestamp) throw notYet(`pod ${plan.member} is still terminating`);
      if (existing && (existing.status?.phase === 'Failed' || existing.status?.phase === 'Succeeded')) {
        await kube.delete(header('v1', 'Pod', key.namespace, plan.member));
        throw notYet(`pod ${plan.member} had ${existing.status.phase}: deleted, creating it again`);
      }
      const image = imageFor(spec, defaultRepository);
      if (existing && neverStarted(existing) && podOutdated(observePod(existing), { podTemplateHash: podTemplateHash(ref, image), image })) {
        // It never ran, so it never touched its data: a pod made from a spec since fixed (an image that
        // does not exist, a nodeSelector no node matches) is replaced by one from the current spec.
        await kube.delete(header('v1', 'Pod', key.namespace, plan.member));
        throw notYet(`pod ${plan.member} never started and the spec changed since it was made: re-creating it`);
      }
      if (existing) return 'exists';
      await kube.apply(memberPod({
        cluster: ref,
        member: plan.member,
        initialCluster: initialCluster(key.name, key.namespace, plan.initialMembers, Boolean(spec.tls)),
        initialClusterState: plan.state,
        image,
        // `existing` without a volume of its own to require: a new member joining as a learner.
        learner: plan.state === 'existing' && !plan.requireVolume,
        ...(plan.joinGate && { joinGate: { image: toolsImage } }),
      }));
      logSideEffect('created a member pod', key, { member: plan.member, initialClusterState: plan.state, image, ...(plan.joinGate && { joinGate: 'closed' }) });
      return 'created';
    },

    /** Deletes a removed member's pod (this cluster's only); gone already is success. */
    async deleteMemberPod(key: ClusterKey, member: string): Promise<boolean> {
      const pod = await kube.read<V1Pod>(header('v1', 'Pod', key.namespace, member));
      if (!pod || !belongsTo(pod.metadata, key.uid)) return false;
      // On a lost node no kubelet will ever confirm the deletion: force it. Safe only because the
      // member is out of etcd by now and its name is never used again.
      const node = podNode(pod);
      if (node && (await nodeLost(kube, node))) {
        await kube.core.deleteNamespacedPod({ name: member, namespace: key.namespace, gracePeriodSeconds: 0 }).catch((err: { code?: number }) => { if (err.code !== 404) throw err; });
        logSideEffect('force-deleted a member pod on a lost node', key, { member, node });
        return true;
      }
      const deleted = await kube.delete(header('v1', 'Pod', key.namespace, member));
      if (deleted) logSideEffect('deleted a member pod', key, { member });
      return deleted;
    },

    /** Poll: the member's pod is gone. */
    async waitMemberPodGone(key: ClusterKey, member: string): Promise<void> {
      const pod = await kube.read<V1Pod>(header('v1', 'Pod', key.namespace, member));
      if (pod && belongsTo(pod.metadata, key.uid)) throw notYet(`pod ${member} still terminating`);
    },

    /**
     * A removed member's volume: deleted, or with `retain` kept, released from the cluster and
     * marked as a removed member's (never a member's data again, its name never reused).
     */
    async releaseMemberVolume(key: ClusterKey, member: string, retain: boolean): Promise<'deleted' | 'kept' | 'absent'> {
      const h = header('v1', 'PersistentVolumeClaim', key.namespace, pvcName(member));
      const claim = await kube.read<V1PersistentVolumeClaim>(h);
      // One already being deleted (a repeat of this call, while the pvc-protection finalizer still
      // holds it) is as good as gone: nothing left to decide about it.
      if (!claim || !belongsTo(claim.metadata, key.uid) || claim.metadata?.deletionTimestamp) return 'absent';
      // A volume a recovery set aside may hold the only copy of newer writes: only the user deletes it.
      if (claim.metadata?.labels?.[LABELS.setAside]) return 'kept';
      // On a lost node the volume cannot be deleted (nobody there to remove its data) and the node
      // may come back: set aside, left alone, for the user to delete.
      const pinned = claim.spec?.volumeName ? pinnedNode(await kube.core.readPersistentVolume({ name: claim.spec.volumeName }).catch(() => ({}))) : undefined;
      if (pinned && (await nodeLost(kube, pinned))) {
        await kube.mergePatch(h, { metadata: { name: h.metadata!.name, namespace: key.namespace, ownerReferences: null, labels: { [LABELS.removed]: 'true', [LABELS.setAside]: 'node-lost' } } });
        logSideEffect('set aside a volume on a lost node', key, { member, node: pinned, claim: h.metadata!.name });
        return 'kept';
      }
      if (!retain) {
        if (!(await kube.delete(h))) return 'absent';
        logSideEffect('deleted a removed member\'s volume', key, { member, claim: h.metadata!.name });
        return 'deleted';
      }
      await kube.mergePatch(h, { metadata: { name: h.metadata!.name, namespace: key.namespace, ownerReferences: null, labels: { [LABELS.removed]: 'true' } } });
      logSideEffect('kept a removed member\'s volume (retainOnDelete)', key, { member, claim: h.metadata!.name });
      return 'kept';
    },

    /**
     * A volume a recovery replaces: released from the cluster (no owner reference, so no cascade
     * can take it) and marked set aside, so no later Delete removes it: it may hold the only copy
     * of writes newer than the backup restored. Only the user deletes it.
     */
    async setAsideMemberVolume(key: ClusterKey, member: string): Promise<'set-aside' | 'absent'> {
      const h = header('v1', 'PersistentVolumeClaim', key.namespace, pvcName(member));
      const claim = await kube.read<V1PersistentVolumeClaim>(h);
      if (!claim || !belongsTo(claim.metadata, key.uid)) return 'absent';
      await kube.mergePatch(h, { metadata: { name: h.metadata!.name, namespace: key.namespace, ownerReferences: null, labels: { [LABELS.removed]: 'true', [LABELS.setAside]: 'recovery' } } });
      return 'set-aside';
    },

    /**
     * Deletes every member pod, and the Services, the PDB and the NetworkPolicy whose owner reference
     * carries this cluster's uid (a namesake someone else made stays); "not found" is success.
     */
    async deleteClusterObjects(key: ClusterKey): Promise<number> {
      const pods = await clusterPods(kube, key);
      for (const p of pods) await kube.delete(header('v1', 'Pod', key.namespace, p.metadata!.name!));
      for (const h of [
        header('v1', 'Service', key.namespace, headlessServiceName(key.name)),
        header('v1', 'Service', key.namespace, clientServiceName(key.name)),
        header('policy/v1', 'PodDisruptionBudget', key.namespace, pdbName(key.name)),
        header('networking.k8s.io/v1', 'NetworkPolicy', key.namespace, networkPolicyName(key.name)),
      ]) {
        const o = await kube.read(h);
        if (o && ownedBy(o.metadata, key.uid)) await kube.delete(h);
      }
      return pods.length;
    },

    /** Poll: fails (to be retried) while member pods still exist. */
    async waitPodsGone(key: ClusterKey): Promise<void> {
      const left = await clusterPods(kube, key);
      if (left.length) throw notYet(`${left.length} member pods still terminating`);
    },

    /** This cluster's PVCs (by uid: a namesake's kept volumes are not ours): deleted, or (retainOnDelete) kept and released; those a recovery set aside are always kept. */
    async releaseVolumes(key: ClusterKey, retain: boolean): Promise<{ deleted: string[]; kept: string[] }> {
      const pvcs = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: selectorString(key.name) })).items
        .filter((v) => belongsTo(v.metadata, key.uid));
      const out = { deleted: [] as string[], kept: [] as string[] };
      for (const pvc of pvcs) {
        const name = pvc.metadata!.name!;
        const h = header('v1', 'PersistentVolumeClaim', key.namespace, name);
        if (pvc.metadata?.labels?.[LABELS.setAside]) {
          // Set aside by a recovery: never the operator's to delete (it has no owner reference already).
          out.kept.push(name);
        } else if (retain) {
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
