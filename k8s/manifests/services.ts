// The two Services of a cluster: a headless one that gives each member a stable DNS name for
// peer traffic, and a ClusterIP one that load-balances clients across ready members.
import type { V1Service, V1ServicePort } from '@kubernetes/client-node';
import { CLIENT_PORT, PEER_PORT, clientServiceName, headlessServiceName } from '../api.ts';
import { ownedMeta, selectorLabels, type ClusterRef } from './owner.ts';

const port = (name: string, n: number): V1ServicePort => ({ name, port: n, targetPort: n, protocol: 'TCP' });

export function headlessService(cluster: ClusterRef): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(cluster, headlessServiceName(cluster.name)),
    spec: {
      clusterIP: 'None',
      // Members must resolve each other before they are ready, or a new cluster never forms.
      publishNotReadyAddresses: true,
      selector: selectorLabels(cluster.name),
      ports: [port('client', CLIENT_PORT), port('peer', PEER_PORT)],
    },
  };
}

export function clientService(cluster: ClusterRef): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: ownedMeta(cluster, clientServiceName(cluster.name)),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(cluster.name),
      ports: [port('client', CLIENT_PORT)],
    },
  };
}
