// The operator's Kubernetes client against the real apiserver, where its "goal reached" rules matter:
// an Event for an object whose namespace is gone or terminating is not an error to retry forever.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreV1Event } from '@kubernetes/client-node';
import { Kube } from '../../k8s/kube-client.ts';
import { ensureStack, repoRoot } from '../support/stack.ts';
import { kubectl } from '../support/kube.ts';
import { waitFor } from '../support/wait.ts';

const event = (namespace: string, name: string): CoreV1Event => ({
  metadata: { name, namespace },
  involvedObject: { kind: 'ConfigMap', name: 'x', namespace },
  type: 'Normal', reason: 'Test', message: 'test event',
});

describe('Kube client on the real apiserver', () => {
  let kube: Kube;
  before(() => { ensureStack(); kube = Kube.fromDefault(); });

  it('createEvent in a namespace that does not exist resolves (nothing to record)', async () => {
    await kube.createEvent(event('no-such-namespace-etcdop', 'e1'));
  });

  it('createEvent twice with one name records one Event', async () => {
    const ns = `e2e-kc-${Date.now().toString(36)}`;
    kubectl(['create', 'namespace', ns]);
    try {
      await kube.createEvent(event(ns, 'once'));
      await kube.createEvent(event(ns, 'once'));
      assert.equal(kubectl(['get', 'events', '-n', ns, '-o', 'name']).trim(), 'event/once');
    } finally {
      kubectl(['delete', 'namespace', ns, '--wait=false']);
    }
  });

  it('createEvent in a terminating namespace resolves instead of failing with 403', async () => {
    const ns = `e2e-kc-term-${Date.now().toString(36)}`;
    kubectl(['create', 'namespace', ns]);
    // A finalizer on a ConfigMap holds the namespace in Terminating while we try.
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', finalizers: ['etcd.operator.dev/test-hold'] } }));
    kubectl(['delete', 'namespace', ns, '--wait=false']);
    try {
      await waitFor('namespace Terminating', () => kubectl(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}']).trim() === 'Terminating');
      const direct = await kube.core.createNamespacedEvent({ namespace: ns, body: event(ns, 'direct') }).then(() => 'created', (err: { code?: number }) => err.code);
      assert.equal(direct, 403, 'the apiserver refuses new objects in a terminating namespace');
      await kube.createEvent(event(ns, 'tolerated'));
    } finally {
      kubectl(['patch', 'configmap', 'hold', '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
  });

  it('with no kubeconfig at all, the CLI says so and how to fix it', () => {
    const home = mkdtempSync(join(tmpdir(), 'etcdop-nohome-'));
    const { KUBECONFIG: _k, ...env } = process.env;
    const r = spawnSync(process.execPath, [`${repoRoot}bin/etcdop.js`, 'status', 'x'], { env: { ...env, HOME: home }, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no Kubernetes configuration found: set KUBECONFIG/);
  });
});
