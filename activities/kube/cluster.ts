// Activities on the EtcdCluster object itself: read + validate, finalizer, status, events.
import { ApplicationFailure } from '@temporalio/activity';
import { FINALIZER } from '../../k8s/api.ts';
import { imageFor, validateClusterSpec, formatSpecErrors, type EtcdClusterSpec } from '../../k8s/cluster-spec.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import { clusterRef } from '../../k8s/etcd-cluster.ts';
import { podTemplateHash } from '../../k8s/manifests/member-pod.ts';
import type { ClusterRef } from '../../k8s/manifests/owner.ts';
import type { ClusterKey, ClusterSnapshot } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { tlsFingerprint } from '../secrets/tls-secrets.ts';
import { autoCertificatesDue } from '../secrets/certificates.ts';

export interface ClusterDeps { kube: Kube; defaultRepository: string; now?: () => Date }

/** The cluster object, or undefined if it is gone (or replaced by a namesake with another uid). */
export async function fetchCluster(kube: Kube, key: ClusterKey): Promise<EtcdCluster | undefined> {
  const obj = await kube.getCluster(key.namespace, key.name);
  return obj && obj.metadata.uid === key.uid ? obj : undefined;
}

/**
 * The cluster and its validated spec; an invalid spec is a non-retryable failure a user can act on.
 * With spec.tls, the ref carries the fingerprint of the certificates in use (a missing or unusable
 * certificate Secret is a non-retryable TLSSecretInvalid failure).
 */
export async function loadCluster(kube: Kube, key: ClusterKey, { withTls = true } = {}): Promise<{ obj: EtcdCluster; spec: EtcdClusterSpec; ref: ClusterRef } | undefined> {
  const obj = await fetchCluster(kube, key);
  if (!obj) return undefined;
  const v = validateClusterSpec(obj.spec);
  if (!v.ok) throw ApplicationFailure.nonRetryable(`invalid spec: ${formatSpecErrors(v.errors)}`, 'InvalidSpec');
  const ref = clusterRef(obj, v.spec);
  if (withTls && v.spec.tls && !obj.metadata.deletionTimestamp) ref.tlsFingerprint = await tlsFingerprint(kube, ref, v.spec.tls);
  return { obj, spec: v.spec, ref };
}

export function clusterActivities({ kube, defaultRepository, now = () => new Date() }: ClusterDeps) {
  return {
    /** The desired state, validated; undefined when the cluster no longer exists. */
    async readCluster(key: ClusterKey): Promise<ClusterSnapshot | undefined> {
      const c = await loadCluster(kube, key);
      if (!c) return undefined;
      const image = imageFor(c.spec, defaultRepository);
      return {
        generation: c.obj.metadata.generation ?? 0,
        size: c.spec.size,
        version: c.spec.version,
        image,
        paused: c.spec.paused,
        retainOnDelete: c.spec.storage.retainOnDelete,
        emptyDir: c.spec.storage.emptyDir,
        deleting: Boolean(c.obj.metadata.deletionTimestamp),
        restoreFromBackup: Boolean(c.spec.bootstrap?.backup),
        recoveryPolicy: c.spec.recovery.policy,
        podTemplateHash: podTemplateHash(c.ref, image),
        authEnabled: c.spec.auth.enabled,
        nodeLossGraceSeconds: c.spec.recovery.nodeLossGracePeriodSeconds,
        ...(c.spec.tls?.mode === 'auto' && { certificatesDue: await autoCertificatesDue(kube, c.ref, c.spec.tls, now()) }),
      };
    },

    async ensureFinalizer(key: ClusterKey): Promise<void> {
      const obj = await fetchCluster(kube, key);
      if (!obj || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.patchCluster(key.namespace, key.name, {
        metadata: { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER], resourceVersion: obj.metadata.resourceVersion },
      });
    },

    /** The delete operation's last step: lets Kubernetes remove the object. */
    async removeFinalizer(key: ClusterKey): Promise<void> {
      const obj = await fetchCluster(kube, key);
      if (!obj || !obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.patchCluster(key.namespace, key.name, {
        metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion },
      });
    },
  };
}
