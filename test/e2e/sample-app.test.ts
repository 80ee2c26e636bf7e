// The tutorial, as a test: a cluster with TLS auto and auth on, an EtcdUser, the sample application
// running in the cluster on the user's credentials Secret, used through its Service; then the
// cluster resized 1 -> 3 while the application keeps answering.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { clusterYaml, waitConverged } from '../support/clusters.ts';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

describe('the sample application on a TLS + auth cluster, through a resize', () => {
  const suite = useOperatorNamespace('e2e-sample-app');
  let ns: string;
  let base: string;
  const get = async (path: string, method = 'GET') => { const r = await fetch(`${base}${path}`, { method, redirect: 'manual', signal: AbortSignal.timeout(5000) }); return { status: r.status, text: await r.text() }; };
  const sign = (name: string) => get(`/sign?name=${encodeURIComponent(name)}`, 'POST');

  before(() => {
    ({ ns } = suite);
    execFileSync('bash', [`${repoRoot}scripts/stack.sh`, 'sample-app-image'], { stdio: 'inherit' });
  });
  after(() => { kubectl(['delete', 'deployment,service', 'guestbook', '-n', ns, '--ignore-not-found']); });

  it('the guestbook signs, counts and is refused outside its prefix', { timeout: 300_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('secure', { size: 1, storage: { size: '64Mi' }, tls: { mode: 'auto' }, auth: { enabled: true } }));
    await waitConverged(ns, 'secure', 1, 200_000);
    await waitFor('auth on', () => kubectlJson<{ items: { reason: string }[] }>(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=secure,reason=ConfigureAuthSucceeded']).items.length > 0, { timeoutMs: 120_000, intervalMs: 1000 });
    kubectl(['apply', '-n', ns, '-f', '-'], readFileSync(`${repoRoot}examples/sample-app/deploy.yaml`, 'utf8'));
    await waitFor('guestbook ready', () => kubectl(['get', 'deployment', 'guestbook', '-n', ns, '-o', 'jsonpath={.status.readyReplicas}']).trim() === '1', { timeoutMs: 180_000, intervalMs: 1000 });
    base = `http://${kubectlJson<{ spec: { clusterIP: string } }>(['get', 'svc', 'guestbook', '-n', ns]).spec.clusterIP}`;
    // A ready pod is not yet a routed Service: kube-proxy programs the ClusterIP a moment later
    // (seconds on a loaded node), and until then connections are refused.
    await waitFor('the guestbook Service answering', async () => (await get('/healthz')).status === 200, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal((await sign('Grace')).status, 303);
    const page = await get('/');
    assert.match(page.text, /<li>Grace<\/li>/);
    assert.match(page.text, /kept in etcd under <code>guestbook\/<\/code>/);
    const outside = await get('/outside');
    assert.equal(outside.status, 403);
    assert.match(outside.text, /permission denied/);
  });

  it('resizing the cluster 1 -> 3 while the guestbook is used: every request answered, every entry kept', { timeout: 300_000 }, async () => {
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', ns, 'secure', '--type=merge', '-p', '{"spec":{"size":3}}']);
    let ok = 0;
    let failed = 0;
    const deadline = Date.now() + 240_000;
    let converged = false;
    const done = waitConverged(ns, 'secure', 3, 240_000).then(() => { converged = true; });
    for (let i = 0; !converged && Date.now() < deadline; i++) {
      const r = await sign(`visitor-${i}`).catch(() => ({ status: 0, text: '' }));
      if (r.status === 303) ok += 1; else failed += 1;
      await new Promise((res) => setTimeout(res, 250));
    }
    await done;
    const api = JSON.parse((await get('/api')).text) as { entries: string[] };
    console.log(`sample app during resize: ${ok} signed, ${failed} failed`);
    assert.ok(ok > 10, `the app kept working (${ok})`);
    assert.ok(api.entries.includes('Grace'));
    // Every acknowledged entry is there; a request that timed out may have landed too.
    const visitors = api.entries.filter((e) => e.startsWith('visitor-')).length;
    assert.ok(visitors >= ok && visitors <= ok + failed, `${visitors} entries for ${ok} acknowledged, ${failed} failed`);
  });
});
