// PodDisruptionBudget: voluntary evictions (node drains) never take the cluster below quorum. It
// counts voters only: a joining learner's pod (LABELS.learner) is ready, but not a vote, and counted
// it would let a drain evict a voter the quorum needs.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { LABELS, pdbName } from '../api.ts';
import { ownedMeta, selectorLabels, type ClusterRef } from './owner.ts';
import { quorumOf } from '../../domain/members.ts';

/**
 * `voters`: the members etcd has now. During a resize that differs from spec.size, and the budget
 * must keep a majority of the members that exist (5 members shrinking to 3 still need 3).
 */
export function podDisruptionBudget(cluster: ClusterRef, voters: number = cluster.spec.size): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(cluster, pdbName(cluster.name)),
    spec: {
      minAvailable: quorumOf(voters),
      selector: { matchLabels: selectorLabels(cluster.name), matchExpressions: [{ key: LABELS.learner, operator: 'DoesNotExist' }] },
    },
  };
}
