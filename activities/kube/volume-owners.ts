// spec.storage.retainOnDelete applied to the member volumes that exist: owned by the EtcdCluster
// (garbage-collected with it) when false, without its owner reference when true. Kubernetes follows
// owner references on its own (a foreground cascade delete takes dependents before the finalizer
// runs), so a change of retainOnDelete must reach every volume at once, not only the next one made.
import { ApplicationFailure } from '@temporalio/activity';
import { LABELS } from '../../k8s/api.ts';
import { belongsTo, ownerReference, selectorString } from '../../k8s/manifests/owner.ts';
import type { ClusterKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from './cluster.ts';

export function volumeOwnerActivities({ kube }: { kube: Kube }) {
  return {
    /**
     * Sets or removes the cluster's owner reference on each of its member volumes (by uid; not a
     * removed member's, which stays released) to match spec.storage.retainOnDelete. Idempotent: a
     * volume already as the spec says is not written. Each patch carries the volume's
     * resourceVersion, so a concurrent change makes it retry on the newer object.
     */
    async syncVolumeOwners(key: ClusterKey): Promise<{ owned: string[]; released: string[] }> {
      const out = { owned: [] as string[], released: [] as string[] };
      const c = await loadCluster(kube, key, { withTls: false });
      if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, 'ClusterGone');
      // Deleting: the delete workflow keeps or deletes the volumes itself.
      if (c.obj.metadata.deletionTimestamp || c.spec.storage.emptyDir) return out;
      const retain = c.spec.storage.retainOnDelete;
      const claims = (await kube.core.listNamespacedPersistentVolumeClaim({ namespace: key.namespace, labelSelector: `${selectorString(key.name)},!${LABELS.removed}` })).items
        .filter((v) => belongsTo(v.metadata, key.uid) && !v.metadata?.deletionTimestamp);
      for (const claim of claims) {
        const name = claim.metadata!.name!;
        const refs = claim.metadata?.ownerReferences ?? [];
        const owned = refs.some((o) => o.uid === key.uid);
        if (owned !== retain) continue;
        const next = retain ? refs.filter((o) => o.uid !== key.uid) : [...refs, ownerReference(c.ref)];
        await kube.mergePatch({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace: key.namespace, name } }, {
          metadata: {
            name, namespace: key.namespace, resourceVersion: claim.metadata?.resourceVersion,
            ownerReferences: next.length ? next : null,
            // Released, it is told apart from a namesake's by this label only.
            labels: { [LABELS.clusterUid]: key.uid },
          },
        });
        (retain ? out.released : out.owned).push(name);
      }
      return out;
    },
  };
}
