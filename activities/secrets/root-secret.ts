// Password Secrets: root's (spec.auth.rootSecret, default <cluster>-root) and EtcdUsers'. Created
// with a random password when absent, never overwritten; read by name inside activities only.
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { ownedMeta, ownerReference, type ClusterRef } from '../../k8s/manifests/owner.ts';
import type { AuthSpec } from '../../k8s/security-spec.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { applyOwned, readOwned, secretRef } from '../kube/owned-objects.ts';
import { readSecretText } from './secret-text.ts';

export const ROOT = 'root';
export const PASSWORD_KEY = 'password';
export const rootSecretName = (cluster: string, auth: Pick<AuthSpec, 'rootSecret'>): string => auth.rootSecret ?? `${cluster}-root`;
/**
 * The Secret (owned by the cluster) with the root password etcd has now. When someone changes the
 * root Secret, this is what the operator logs in with to change root's password in etcd.
 */
export const appliedRootSecretName = (cluster: string): string => `${cluster}-root-applied`;

/** A password for a generated Secret: 32 characters of base64url (192 bits). */
export const newPassword = (): string => randomBytes(24).toString('base64url');

/** The `password` key of a Secret; undefined when the Secret does not exist; a Secret without the key is a permanent failure. */
export async function readPassword(kube: Kube, namespace: string, name: string, field: string): Promise<string | undefined> {
  const data = await readSecretText(kube, namespace, name);
  if (!data) return undefined;
  const v = data[PASSWORD_KEY];
  if (!v) throw ApplicationFailure.nonRetryable(`${field}: Secret ${namespace}/${name} has no key "${PASSWORD_KEY}"`, 'SecretInvalid');
  return v;
}

/** Records the root password etcd has now (after setting or changing it there). */
export async function recordAppliedRootPassword(kube: Kube, ref: ClusterRef, password: string): Promise<void> {
  const body: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: ownedMeta(ref, appliedRootSecretName(ref.name)), type: 'Opaque', data: { [PASSWORD_KEY]: Buffer.from(password).toString('base64') } };
  await applyOwned(kube, body, ref.uid);
}

/**
 * Before root's password is read or recorded: `<cluster>-root` (when spec.auth.rootSecret names no
 * Secret: the name is derived) and `<cluster>-root-applied` are absent or the cluster's own. A
 * namesake is a NameConflict: neither its password is used nor the Secret changed.
 */
export async function checkRootSecretsOwned(kube: Kube, ref: ClusterRef, auth: Pick<AuthSpec, 'rootSecret'>): Promise<void> {
  const owner = ownerReference(ref);
  const root = rootSecretName(ref.name, auth);
  if (auth.rootSecret === undefined) await readOwned(kube, secretRef(ref.namespace, root), owner, `or, to make its key "${PASSWORD_KEY}" root's password, name it in spec.auth.rootSecret`);
  await readOwned(kube, secretRef(ref.namespace, appliedRootSecretName(ref.name)), owner);
}

/** Creates the Secret with a random password unless it exists (never overwrites: it may be someone's password). */
export async function ensurePasswordSecret(kube: Kube, ref: ClusterRef, name: string, labels: Record<string, string> = {}): Promise<'created' | 'exists'> {
  const body: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { ...ownedMeta(ref, name), labels: { ...ownedMeta(ref, name).labels, ...labels } }, type: 'Opaque', stringData: { [PASSWORD_KEY]: newPassword() } };
  try {
    await kube.core.createNamespacedSecret({ namespace: ref.namespace, body });
    return 'created';
  } catch (err) {
    if ((err as { code?: number }).code === 409) return 'exists';
    throw err;
  }
}
