// PodDisruptionBudget: voluntary evictions (node drains) never take the cluster below quorum.
import type { V1PodDisruptionBudget } from '@kubernetes/client-node';
import { pdbName } from '../api.ts';
import { ownedMeta, selectorLabels, type ClusterRef } from './owner.ts';

/** Votes needed for a majority of `size` members. */
export const quorum = (size: number): number => Math.floor(size / 2) + 1;

export function podDisruptionBudget(cluster: ClusterRef): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: ownedMeta(cluster, pdbName(cluster.name)),
    spec: {
      minAvailable: quorum(cluster.spec.size),
      selector: { matchLabels: selectorLabels(cluster.name) },
    },
  };
}
