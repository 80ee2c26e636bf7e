// Composes every activity group from its dependencies. Workflows import this module's *type* only.
import { clusterActivities } from './kube-cluster.ts';
import { statusActivities } from './kube-status.ts';
import { memberActivities } from './kube-members.ts';
import { etcdActivities } from './etcd-health.ts';
import { endpointActivities } from './kube-endpoints.ts';
import { observeActivities } from './cluster-observe.ts';
import { membershipActivities } from './etcd-membership.ts';
import { withKubeErrors } from './kube-errors.ts';
import type { Kube } from './kube-client.ts';

export interface ActivityDeps {
  kube: Kube;
  /** Image repository when a spec names none, e.g. gcr.io/etcd-development/etcd. */
  defaultRepository: string;
  now?: () => Date;
}

export function createActivities({ kube, defaultRepository, now = () => new Date() }: ActivityDeps) {
  return withKubeErrors({
    ...clusterActivities({ kube, defaultRepository }),
    ...statusActivities({ kube, now }),
    ...memberActivities({ kube, defaultRepository }),
    ...etcdActivities({ kube }),
    ...endpointActivities({ kube }),
    ...observeActivities({ kube, callTimeoutMs: 2000 }),
    ...membershipActivities({ kube }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
