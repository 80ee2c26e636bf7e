// deploy/overlays/namespaced: the operator watches a list of namespaces and holds RoleBindings in
// those only. A cluster in a watched namespace works; one elsewhere is left alone and the operator
// may not even read there; asked to watch a namespace its RBAC does not cover, the operator refuses
// to start and names what is missing, while the running replicas keep working.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { clusterYaml, waitAvailable } from '../support/clusters.ts';
import { waitFor } from '../support/wait.ts';
import { applyInstall, buildOperatorImage, deleteInstall, doctor, operatorPods, rolloutStatus, writeInstallOverlay, type Install } from '../support/install.ts';

describe('namespace-scoped install (deploy/overlays/namespaced)', () => {
  const spaces: { ns: string; cleanup: () => void }[] = [];
  let watched: string;
  let watched2: string;
  let other: string;
  let install: Install;
  let suffix: string;

  before(() => {
    ensureStack();
    buildOperatorImage();
    for (const p of ['e2e-nsa', 'e2e-nsb', 'e2e-nso']) spaces.push(tempNamespace(p));
    [watched, watched2, other] = spaces.map((s) => s.ns) as [string, string, string];
    suffix = `n${Date.now().toString(36)}`;
    install = writeInstallOverlay({ from: 'overlays/namespaced', suffix, watch: [watched, watched2], roleBindings: { 'etcd-apps': watched, 'etcd-staging': watched2 } });
  });

  after(() => {
    applyInstall(install);
    rolloutStatus(install);
    for (const s of spaces) kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', s.ns, '--wait=true', '--timeout=180s']);
    deleteInstall(install);
    kubectl(['delete', 'namespace', install.namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
    for (const s of spaces) s.cleanup();
  });

  it('installs with RoleBindings in the watched namespaces only; doctor and the API server agree on what it may do', { timeout: 600_000 }, async () => {
    applyInstall(install);
    rolloutStatus(install);
    const sa = `system:serviceaccount:${install.namespace}:${install.serviceAccount}`;
    const can = (verb: string, what: string, ...where: string[]) => spawnSync('kubectl', ['auth', 'can-i', verb, what, ...where, `--as=${sa}`], { encoding: 'utf8', env: process.env }).stdout.trim();
    assert.equal(can('create', 'pods', '-n', watched), 'yes');
    assert.equal(can('get', 'secrets', '-n', watched2), 'yes');
    assert.equal(can('get', 'secrets', '-n', other), 'no', 'no Secret outside the watched namespaces');
    assert.equal(can('list', 'pods', '--all-namespaces'), 'no', 'nothing cluster-wide');
    assert.equal(can('list', 'persistentvolumeclaims', '-n', other), 'no');
    let out = '';
    await waitFor('doctor happy', () => { const d = doctor(install); out = d.output; return d.status === 0; }, { timeoutMs: 60_000, intervalMs: 2000 })
      .catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
    assert.match(out, new RegExp(`ok\\s+rbac\\s+.* has every permission the operator needs in ${watched}, ${watched2}`));
  });

  it('a cluster in a watched namespace becomes Available; one in another namespace is left alone', { timeout: 600_000 }, async () => {
    kubectl(['apply', '-n', other, '-f', '-'], clusterYaml('alone', { size: 1, storage: { size: '64Mi' } }));
    kubectl(['apply', '-n', watched, '-f', '-'], clusterYaml('managed', { size: 1, storage: { size: '64Mi' } }));
    await waitAvailable(watched, 'managed', 240_000);
    // The watched cluster went all the way; the other was never touched: no finalizer, status or pod.
    const alone = kubectlJson<{ metadata: { finalizers?: string[] }; status?: object }>(['get', 'etcdclusters.etcd.operator.dev', '-n', other, 'alone']);
    assert.deepEqual([alone.metadata.finalizers ?? [], alone.status], [[], undefined]);
    assert.equal(kubectl(['get', 'pods', '-n', other, '-o', 'name']).trim(), '');
  });

  it('asked to also watch a namespace its RBAC does not cover, a new replica refuses to start and names it; the running ones keep working', { timeout: 600_000 }, async () => {
    const before = new Set(operatorPods(install));
    const widened = writeInstallOverlay({ from: 'overlays/namespaced', suffix, watch: [watched, watched2, other], roleBindings: { 'etcd-apps': watched, 'etcd-staging': watched2 } });
    applyInstall(widened);
    let log = '';
    await waitFor('a new replica exits with the RBAC message', () => {
      for (const pod of operatorPods(install).filter((p) => !before.has(p))) {
        for (const previous of [false, true]) {
          const r = spawnSync('kubectl', ['logs', '-n', install.namespace, pod, ...(previous ? ['--previous'] : [])], { encoding: 'utf8', env: process.env });
          if (/RBAC does not let this operator manage etcd clusters/.test(r.stdout + r.stderr)) { log = r.stdout + r.stderr; return true; }
        }
      }
      return false;
    }, { timeoutMs: 180_000, intervalMs: 2000 });
    assert.match(log, new RegExp(`${other}: may not get etcdclusters\\.etcd\\.operator\\.dev`));
    assert.doesNotMatch(log, new RegExp(`${watched}: may not`));
    // maxUnavailable 0: the old replicas stay and still manage the watched namespace.
    for (const p of before) assert.ok(operatorPods(install).includes(p), `${p} still running`);
    kubectl(['patch', 'etcdclusters.etcd.operator.dev', '-n', watched, 'managed', '--type=merge', '-p', JSON.stringify({ spec: { size: 2 } })]);
    await waitFor('managed at 2 members', () => {
      const c = kubectlJson<{ status?: { members?: { healthy: boolean; learner: boolean }[] } }>(['get', 'etcdclusters.etcd.operator.dev', '-n', watched, 'managed']);
      return c.status?.members?.filter((m) => m.healthy && !m.learner).length === 2;
    }, { timeoutMs: 240_000, intervalMs: 1000 });
    // Back to the list its RBAC covers: the rollout completes.
    applyInstall(install);
    rolloutStatus(install);
  });
});
