// PodDisruptionBudget: voluntary evictions (node drains) never take the cluster below quorum.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { pdbName } from '../api.ts';
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
      selector: { matchLabels: selectorLabels(cluster.name) },
    },
  };
}
