// The Pod Security "restricted" profile, shared by member pods and every helper pod the operator
// starts in a cluster's namespace (a helper that broke the profile would be refused where members run).
import type { V1PodSecurityContext, V1SecurityContext } from '@kubernetes/client-node';

/** Not root, and the same for every pod of a cluster: member data written by one is readable by all. */
export const ETCD_UID = 65532;

/** fsGroup makes volumes that support ownership (emptyDir, most CSI and local volumes) the member's. */
export const podSecurityContext = (): V1PodSecurityContext => ({
  runAsNonRoot: true,
  runAsUser: ETCD_UID,
  runAsGroup: ETCD_UID,
  fsGroup: ETCD_UID,
  fsGroupChangePolicy: 'OnRootMismatch',
  seccompProfile: { type: 'RuntimeDefault' },
});

/** etcd writes only under its data volume, so the root filesystem can be read-only. */
export const containerSecurityContext = (): V1SecurityContext => ({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
});
