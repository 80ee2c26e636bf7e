// The NetworkPolicy of a cluster: members admit peer traffic only from the cluster's own members,
// and client traffic (and the metrics/health port that kubelet probes and Prometheus use) from
// anywhere. Whether it is enforced is up to the CNI plugin. (`_from` is the client library's name
// for `from`; its serializer writes `from`.)
import type { V1NetworkPolicy } from '@kubernetes/client-node';
import { CLIENT_PORT, METRICS_PORT, PEER_PORT } from '../api.ts';
import { ownedMeta, selectorLabels, type ClusterRef } from './owner.ts';

export const networkPolicyName = (cluster: string): string => cluster;

export function networkPolicy(cluster: ClusterRef): V1NetworkPolicy {
  const members = { matchLabels: selectorLabels(cluster.name) };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: ownedMeta(cluster, networkPolicyName(cluster.name)),
    spec: {
      podSelector: members,
      policyTypes: ['Ingress'],
      ingress: [
        { _from: [{ podSelector: members }], ports: [{ protocol: 'TCP', port: PEER_PORT }] },
        { ports: [{ protocol: 'TCP', port: CLIENT_PORT }, { protocol: 'TCP', port: METRICS_PORT }] },
      ],
    },
  };
}
