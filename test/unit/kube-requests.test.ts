// The operator counts its own Kubernetes API requests (etcd_operator_kube_api_requests_total): every
// request a client of its KubeConfig makes is seen once, with its verb and resource.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Kube, resourceOf } from '../../k8s/kube-client.ts';

describe('resourceOf', () => {
  const cases: [string, string][] = [
    ['https://h/api/v1/namespaces/a/pods', 'pods'],
    ['https://h/api/v1/namespaces/a/pods/p-1/status', 'pods'],
    ['https://h/api/v1/nodes/n1', 'nodes'],
    ['https://h/api/v1/persistentvolumes?labelSelector=x', 'persistentvolumes'],
    ['https://h/apis/etcd.operator.dev/v1alpha1/namespaces/a/etcdclusters/c/status', 'etcdclusters'],
    ['https://h/apis/etcd.operator.dev/v1alpha1/etcdclusters', 'etcdclusters'],
    ['https://h/api/v1/namespaces/a', 'namespaces'],
    ['https://h/version', 'other'],
  ];
  for (const [url, want] of cases) it(`${url} -> ${want}`, () => assert.equal(resourceOf(url), want));
});

describe('Kube.fromDefault(onRequest)', () => {
  let server: Server;
  const saved = process.env.KUBECONFIG;
  before(async () => {
    server = createServer((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] })); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const dir = mkdtempSync(join(tmpdir(), 'kube-requests-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }));
    process.env.KUBECONFIG = file;
  });
  after(() => { server.close(); if (saved === undefined) delete process.env.KUBECONFIG; else process.env.KUBECONFIG = saved; });

  it('sees every API call once, with its verb and resource', async () => {
    const seen: string[] = [];
    const kube = Kube.fromDefault((verb, resource) => seen.push(`${verb} ${resource}`));
    await kube.core.listNamespacedPod({ namespace: 'a' });
    await kube.core.listNamespacedPersistentVolumeClaim({ namespace: 'a' });
    assert.deepEqual(seen, ['GET pods', 'GET persistentvolumeclaims']);
  });
});
