// Activities of a rolling update or upgrade: the checks before any member is touched (version path,
// the new image pulls, a backup), and the one restart of each member (is its pod outdated; delete
// it). Each looks before it acts: a member whose pod is current already is left alone.
import type { V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { imageFor } from '../../k8s/cluster-spec.ts';
import { ETCD_CONTAINER, podTemplateHash } from '../../k8s/manifests/member-pod.ts';
import { imageCheckPod } from '../../k8s/manifests/backup-pods.ts';
import { belongsTo, ownerReference } from '../../k8s/manifests/owner.ts';
import { upgradePathProblem } from '../../k8s/upgrade-path.ts';
import { podOutdated } from '../../domain/members.ts';
import type { BackupKey, ClusterKey } from '../../domain/types.ts';
import { createClusterBackup } from '../backups/catalog.ts';
import { observePod } from '../observe.ts';
import { clusterPods, etcdAccess } from '../etcd/client.ts';
import { deleteHelperPod, ensurePod, waitPodDone } from '../backups/helper-pods.ts';
import { BACKUP_LABELS } from '../../k8s/backup-objects.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from './cluster.ts';
import { notYet } from '../not-yet.ts';

const header = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } });

export function rolloutActivities({ kube, defaultRepository, callTimeoutMs = 5000 }: { kube: Kube; defaultRepository: string; callTimeoutMs?: number }) {
  async function desired(key: ClusterKey) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, 'ClusterGone');
    const image = imageFor(c.spec, defaultRepository);
    return { ...c, image, hash: podTemplateHash(c.ref, image) };
  }
  const memberPodOf = async (key: ClusterKey, member: string) => {
    const pod = await kube.read<V1Pod>(header(key.namespace, member));
    return pod && belongsTo(pod.metadata, key.uid) ? pod : undefined;
  };

  return {
    /** Refuses (non-retryable, naming the rule) a version the running members cannot go to. */
    async checkUpgradePath(key: ClusterKey): Promise<string[]> {
      const { spec } = await desired(key);
      const etcd = await etcdAccess(kube, key);
      const eps = [...etcd.endpoints.values()];
      const running = (await Promise.all(eps.map((ep) => etcd.with(ep, (c) => c.maintenance.status(), callTimeoutMs).then((s) => s.version, () => undefined))))
        .filter((v): v is string => Boolean(v));
      if (running.length < eps.length) throw notYet(`${eps.length - running.length} of ${eps.length} members do not report their version yet`);
      const problem = upgradePathProblem(running, spec.version);
      if (problem) throw ApplicationFailure.nonRetryable(`spec.version ${spec.version} refused: ${problem}`, 'UpgradePath');
      return [...new Set(running)].sort();
    },

    /**
     * The new image exists: pulled (or found) on a node where members may run, and `etcd --version`
     * runs. Skipped when every member runs it already. Fails for good when it cannot be pulled, so
     * no member is stopped for an image that will never start.
     */
    async checkImagePulls(key: ClusterKey): Promise<'present' | 'pulled'> {
      const { ref, spec, image, hash } = await desired(key);
      const pods = await clusterPods(kube, key);
      if (pods.length && pods.every((p) => p.spec?.containers.find((c) => c.name === ETCD_CONTAINER)?.image === image)) return 'present';
      const name = `${key.name}-image-check-${hash.slice(0, 8)}`;
      await ensurePod(kube, imageCheckPod({
        namespace: key.namespace, name, owner: ownerReference(ref), image,
        ...(spec.pod.nodeSelector && { nodeSelector: spec.pod.nodeSelector }),
        ...(spec.pod.tolerations && { tolerations: spec.pod.tolerations }),
      }));
      heartbeat({ step: `pulling ${image}` });
      try {
        await waitPodDone(kube, key.namespace, name, `image check of ${image}`);
      } finally {
        await deleteHelperPod(kube, key.namespace, name);
      }
      return 'pulled';
    },

    /**
     * The EtcdBackup an upgrade takes before restarting anything, to spec.backup.destination; its
     * name is fixed per cluster and target version, so a resumed upgrade finds it. Undefined when
     * the cluster has no backup destination (the upgrade goes on without one, with an Event).
     */
    async createUpgradeBackup(key: ClusterKey, toVersion: string): Promise<BackupKey | undefined> {
      const { spec } = await desired(key);
      if (!spec.backup?.destination) return undefined;
      const name = `${key.name}-upgrade-${toVersion.replaceAll('.', '-')}-${key.uid.slice(0, 5)}`;
      return createClusterBackup(kube, key, name, { [BACKUP_LABELS.upgradeTo]: toVersion }, 'this cluster\'s pre-upgrade backup');
    },

    /** Whether the member's pod differs from the one the spec makes now (a missing pod counts as outdated). */
    async memberPodOutdated(key: ClusterKey, member: string): Promise<boolean> {
      const { image, hash } = await desired(key);
      const pod = await memberPodOf(key, member);
      if (!pod || pod.metadata?.deletionTimestamp) return true;
      return podOutdated(observePod(pod), { podTemplateHash: hash, image });
    },

    /** Deletes the member's pod only while it is outdated: a pod already made from the current spec is never restarted again. */
    async deleteOutdatedMemberPod(key: ClusterKey, member: string): Promise<'deleted' | 'current' | 'absent'> {
      const { image, hash } = await desired(key);
      const pod = await memberPodOf(key, member);
      if (!pod) return 'absent';
      if (!pod.metadata?.deletionTimestamp && !podOutdated(observePod(pod), { podTemplateHash: hash, image })) return 'current';
      await kube.delete(header(key.namespace, member));
      return 'deleted';
    },
  };
}
