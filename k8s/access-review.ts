// Does the operator's identity have every permission it needs in the namespaces it watches? Asked
// of the API server itself (SelfSubjectAccessReview, or SubjectAccessReview for another account,
// as `etcdop doctor` does), so RBAC, aggregated roles and webhooks all count.
import { AuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { accessChecks, OPERATOR_PERMISSIONS, type Permission } from './operator-permissions.ts';

export interface Denied { namespace: string; verb: string; resource: string }

/** A subject other than the caller: a ServiceAccount as `system:serviceaccount:<ns>:<name>`. */
export interface Subject { user: string; groups?: string[] }

export function serviceAccountSubject(namespace: string, name: string): Subject {
  return { user: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
}

/**
 * Every (namespace, verb, resource) the subject may not do. `namespaces` empty means cluster-wide
 * (all namespaces), which is what an operator watching everything needs.
 */
export async function deniedPermissions(config: KubeConfig, namespaces: readonly string[], subject?: Subject, perms: readonly Permission[] = OPERATOR_PERMISSIONS): Promise<Denied[]> {
  const api = config.makeApiClient(AuthorizationV1Api);
  const scopes = namespaces.length ? namespaces : [''];
  const checks = scopes.flatMap((namespace) => accessChecks(perms).map((c) => ({ ...c, namespace })));
  const results = await Promise.all(checks.map(async (c) => {
    const resourceAttributes = { namespace: c.namespace || undefined, verb: c.verb, group: c.group, resource: c.resource, subresource: c.subresource };
    const review = subject
      ? await api.createSubjectAccessReview({ body: { spec: { user: subject.user, groups: subject.groups, resourceAttributes } } })
      : await api.createSelfSubjectAccessReview({ body: { spec: { resourceAttributes } } });
    return review.status?.allowed ? undefined : { namespace: c.namespace || '(all namespaces)', verb: c.verb, resource: c.subresource ? `${c.resource}/${c.subresource}` : c.resource, group: c.group };
  }));
  return results.filter((d): d is Denied & { group: string } => d !== undefined)
    .map((d) => ({ namespace: d.namespace, verb: d.verb, resource: d.group ? `${d.resource}.${d.group}` : d.resource }));
}

/** One line per namespace: what is missing there. */
export function describeDenied(denied: readonly Denied[]): string[] {
  const byNs = new Map<string, string[]>();
  for (const d of denied) byNs.set(d.namespace, [...(byNs.get(d.namespace) ?? []), `${d.verb} ${d.resource}`]);
  return [...byNs].map(([ns, what]) => `${ns}: may not ${what.join(', ')}`);
}
