// What the operator must be allowed to do in every namespace it watches: the rules of
// deploy/rbac (a unit test keeps the two equal). Checked at startup and by `etcdop doctor`, so a
// missing rule is one clear line instead of a 403 in the middle of an operation.
export interface Permission { group: string; resource: string; verbs: readonly string[] }

export const OPERATOR_PERMISSIONS: readonly Permission[] = [
  { group: 'etcd.operator.dev', resource: 'etcdclusters', verbs: ['get', 'list', 'watch', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdclusters/status', verbs: ['get', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdclusters/finalizers', verbs: ['update'] },
  { group: 'etcd.operator.dev', resource: 'etcdbackups', verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdbackups/status', verbs: ['get', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdbackups/finalizers', verbs: ['update'] },
  { group: 'etcd.operator.dev', resource: 'etcdusers', verbs: ['get', 'list', 'watch', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdusers/status', verbs: ['get', 'patch', 'update'] },
  { group: 'etcd.operator.dev', resource: 'etcdusers/finalizers', verbs: ['update'] },
  { group: '', resource: 'secrets', verbs: ['get', 'create', 'patch', 'delete'] },
  { group: '', resource: 'pods', verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { group: '', resource: 'pods/portforward', verbs: ['get', 'create'] },
  { group: '', resource: 'persistentvolumeclaims', verbs: ['get', 'list', 'create', 'patch', 'delete'] },
  { group: '', resource: 'services', verbs: ['get', 'create', 'patch', 'delete'] },
  { group: 'policy', resource: 'poddisruptionbudgets', verbs: ['get', 'create', 'patch', 'delete'] },
  { group: 'networking.k8s.io', resource: 'networkpolicies', verbs: ['get', 'create', 'patch', 'delete'] },
  { group: 'discovery.k8s.io', resource: 'endpointslices', verbs: ['list'] },
  { group: '', resource: 'events', verbs: ['create', 'patch'] },
];

/** One access check per verb: resource and subresource split as the authorization API wants them. */
export function accessChecks(perms: readonly Permission[] = OPERATOR_PERMISSIONS): { group: string; resource: string; subresource?: string; verb: string }[] {
  return perms.flatMap((p) => {
    const [resource, subresource] = p.resource.split('/') as [string, string | undefined];
    return p.verbs.map((verb) => ({ group: p.group, resource, ...(subresource ? { subresource } : {}), verb }));
  });
}
