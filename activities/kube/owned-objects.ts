// Objects under a name the operator derives (the Services, PDB and NetworkPolicy of a cluster, its
// certificate and password Secrets, an EtcdUser's Secrets) are ours only if an owner reference
// carries our owner's uid. Created when absent, changed only when ours; a namesake that belongs to
// someone else is never taken over (no forced apply over it): a non-retryable NameConflict naming
// it and what to do.
import type { KubernetesObject, V1OwnerReference } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { ownedBy } from '../../k8s/manifests/owner.ts';
import { isConflict, type Kube } from '../../k8s/kube-client.ts';
import { notYet } from '../not-yet.ts';

export const NAME_CONFLICT = 'NameConflict';

/** Who owns what we make: the EtcdCluster or EtcdUser. */
export type Owner = Pick<V1OwnerReference, 'kind' | 'name' | 'uid'>;

/** A Secret by name, as readOwned takes it. */
export const secretRef = (namespace: string, name: string): KubernetesObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name } });

const what = (obj: KubernetesObject) => `${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`;

/** The failure for a namesake: names the object, whose it is not, and what the user can do. */
export function nameConflict(obj: KubernetesObject, owner: Owner, hint?: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `${what(obj)} already exists and belongs to someone else (no owner reference to ${owner.kind} ${owner.name}), so the operator leaves it alone: `
    + `delete it, or re-create it under another name, and the operator makes its own${hint ? `; ${hint}` : ''}`,
    NAME_CONFLICT,
  );
}

/** The object if it exists and is ours; undefined if absent; a NameConflict if it belongs to someone else. */
export async function readOwned<T extends KubernetesObject>(kube: Kube, obj: KubernetesObject, owner: Owner, hint?: string): Promise<T | undefined> {
  const found = await kube.read<T>(obj);
  if (found && !ownedBy(found.metadata, owner.uid)) throw nameConflict(obj, owner, hint);
  return found;
}

/**
 * Creates `obj` when absent, applies it (server-side, one field manager) when it is ours; a
 * namesake of someone else's is a NameConflict and stays untouched. `obj` must carry the owner
 * reference with `ownerUid`, so what is created here is ours from the start.
 */
export async function applyOwned<T extends KubernetesObject>(kube: Kube, obj: T, ownerUid: string, hint?: string): Promise<T> {
  const owner = obj.metadata?.ownerReferences?.find((o) => o.uid === ownerUid);
  if (!owner) throw new Error(`${what(obj)}: the object to apply has no owner reference to ${ownerUid}`);
  const found = await readOwned(kube, obj, owner, hint);
  if (found) return kube.apply(obj);
  try {
    return await kube.create(obj);
  } catch (err) {
    // Made by someone between the read and the create: looked at again (ours or not) on the retry.
    if (isConflict(err)) throw notYet(`${what(obj)} was created meanwhile`);
    throw err;
  }
}
