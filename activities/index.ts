// Composes every activity group from its dependencies. Workflows import this module's *type* only.
import { observeActivities } from './observe.ts';
import { authActivities } from './etcd/auth.ts';
import { etcdActivities } from './etcd/health.ts';
import { maintenanceActivities } from './etcd/maintenance.ts';
import { membershipActivities } from './etcd/membership.ts';
import { userActivities } from './etcd/users.ts';
import { clusterActivities } from './kube/cluster.ts';
import { endpointActivities } from './kube/endpoints.ts';
import { withKubeErrors } from './kube/errors.ts';
import { memberActivities } from './kube/members.ts';
import { rolloutActivities } from './kube/rollout.ts';
import { statusActivities } from './kube/status.ts';
import { volumeOwnerActivities } from './kube/volume-owners.ts';
import { backupActivities } from './backups/backup.ts';
import { catalogActivities } from './backups/catalog.ts';
import { restoreActivities } from './backups/restore.ts';
import { restoredGateActivities } from './backups/restored-gates.ts';
import { scheduleActivities } from './backups/schedule.ts';
import { certificateActivities } from './secrets/certificates.ts';
import { pollingWithin, type PollWithin } from './poll-within.ts';
import type { Client } from '@temporalio/client';
import type { Kube } from '../k8s/kube-client.ts';

export interface ActivityDeps {
  kube: Kube;
  /** Image repository when a spec names none, e.g. gcr.io/etcd-development/etcd. */
  defaultRepository: string;
  /** Image with a POSIX shell and busybox tools for the backup/restore helper pods. */
  toolsImage?: string;
  /** The Temporal client the schedule activities use (created on first use). */
  temporal?: () => Promise<Client>;
  /** Task queue the backup Schedules start their workflows on. */
  taskQueue?: string;
  now?: () => Date;
}

export const DEFAULT_TOOLS_IMAGE = 'busybox:1.36';

const noTemporal = (): Promise<Client> => Promise.reject(new Error('no Temporal client configured for schedule activities'));

/**
 * Each attempt of these waits looks again every 0.25 s for 5 s (the `poll` and member-step groups of
 * workflows/activity-options.ts), so a wait ends within a quarter second of its condition: the
 * waits on a cluster as a whole, on helper pods and restored members (each look a few reads; the
 * end of a create, a restore or a quorum-loss recovery waits on them, one after the other), the
 * steps of a member's join and removal, and the checks that end a failover, a scale or replace step
 * and each member of a rollout (is the member a healthy voter again): each look reads the member's
 * pod (and the cluster's pods and Secrets to ask etcd a few questions), for the second or two each
 * wait lasts, and each look saved is time the cluster runs a member short. `addLearner` waits for
 * the pod's address, then for etcd, which refuses an add ("unhealthy cluster") until it has been
 * connected to every voter for 5 s, e.g. right after the previous member joined; `promoteLearner`
 * is refused while the learner lags.
 */
const POLLS = [
  'checkClusterReady', 'checkClientEndpoints', 'waitPodsGone', 'openRestoredGates',
  'addLearner', 'checkLearnerCaughtUp', 'promoteLearner', 'waitMemberPodGone', 'checkMemberHealthy', 'checkMemberUpdated',
] as const;
const POLL: PollWithin = { everyMs: 250, forMs: 5000 };

export function createActivities({ kube, defaultRepository, toolsImage = DEFAULT_TOOLS_IMAGE, temporal = noTemporal, taskQueue = 'etcd-operator', now = () => new Date() }: ActivityDeps) {
  return withKubeErrors(pollingWithin({
    ...clusterActivities({ kube, defaultRepository, now }),
    ...certificateActivities({ kube, now }),
    ...statusActivities({ kube, now }),
    ...memberActivities({ kube, defaultRepository, toolsImage }),
    ...etcdActivities({ kube }),
    ...endpointActivities({ kube }),
    ...observeActivities({ kube, callTimeoutMs: 2000 }),
    ...membershipActivities({ kube }),
    ...backupActivities({ kube, toolsImage, now }),
    ...catalogActivities({ kube }),
    ...scheduleActivities({ kube, temporal, taskQueue }),
    ...restoreActivities({ kube, toolsImage, defaultRepository }),
    ...restoredGateActivities({ kube }),
    ...rolloutActivities({ kube, defaultRepository }),
    ...maintenanceActivities({ kube }),
    ...authActivities({ kube }),
    ...userActivities({ kube, now }),
    ...volumeOwnerActivities({ kube }),
  }, POLLS, POLL));
}

export type Activities = ReturnType<typeof createActivities>;
