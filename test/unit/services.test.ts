import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientService, headlessService } from '../../k8s/manifests/services.ts';
import { clusterLabels } from '../../k8s/manifests/owner.ts';
import { OWNER, cluster } from './cluster-fixture.ts';

const SELECTOR = { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db' };
const CLIENT = { name: 'client', port: 2379, targetPort: 2379, protocol: 'TCP' };
const PEER = { name: 'peer', port: 2380, targetPort: 2380, protocol: 'TCP' };

describe('services', () => {
  const cases = [
    {
      name: 'headless peer Service: no cluster IP, publishes not-ready members, client + peer ports',
      svc: headlessService(cluster()),
      want: {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: 'db', namespace: 'prod', labels: clusterLabels('db'), ownerReferences: [OWNER] },
        spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: SELECTOR, ports: [CLIENT, PEER] },
      },
    },
    {
      name: 'client Service: ClusterIP on 2379 only',
      svc: clientService(cluster()),
      want: {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: 'db-client', namespace: 'prod', labels: clusterLabels('db'), ownerReferences: [OWNER] },
        spec: { type: 'ClusterIP', selector: SELECTOR, ports: [CLIENT] },
      },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(c.svc, c.want));
});
