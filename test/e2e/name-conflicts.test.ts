// Objects the operator does not own, and volumes that follow retainOnDelete, on the local stack.
// Namesakes someone made before the cluster (its client Service, PDB, NetworkPolicy, root Secret)
// are reported as NameConflict (Degraded + a Warning Event naming the object), never changed, and
// outlive the cluster; once the user removes the namesake (or names their Secret in the spec) the
// cluster completes. A change of spec.storage.retainOnDelete reaches the member volume at once, so
// a foreground cascade delete keeps a volume the spec says to keep.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, waitConverged } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const etcdop = (args: string[]) => execFileSync(process.execPath, [`${repoRoot}bin/etcdop.js`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const MARKER = { 'e2e.example/owner': 'someone-else' };
const events = (ns: string, name: string, reason: string) =>
  kubectlJson<{ items: { message: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`]).items.map((e) => e.message);
const degraded = (ns: string, name: string) => getCluster(ns, name).status?.conditions?.find((c) => c.type === 'Degraded');

/** Someone else's objects under the names the operator derives for a cluster `name`. */
const namesakes = (name: string) => ({
  [`service/${name}-client`]: { apiVersion: 'v1', kind: 'Service', metadata: { name: `${name}-client`, labels: MARKER }, spec: { selector: { app: 'theirs' }, ports: [{ port: 80 }] } },
  [`poddisruptionbudget/${name}`]: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, labels: MARKER }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'theirs' } } } },
  [`networkpolicy/${name}`]: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, labels: MARKER }, spec: { podSelector: { matchLabels: { app: 'theirs' } }, policyTypes: ['Ingress'] } },
  [`secret/${name}-root`]: { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-root`, labels: MARKER }, stringData: { password: 'their-own-password-0123456789' } },
});

/** uid, resourceVersion, owners and labels: what must not change. */
function fingerprint(ns: string, ref: string): string {
  const o = kubectlJson<{ metadata: { uid: string; resourceVersion: string; ownerReferences?: unknown[]; labels?: Record<string, string> } }>(['get', ref, '-n', ns]);
  return JSON.stringify([o.metadata.uid, o.metadata.resourceVersion, o.metadata.ownerReferences ?? [], o.metadata.labels]);
}

async function nameConflictReported(ns: string, cluster: string, object: RegExp): Promise<string> {
  const d = await waitFor(`Degraded NameConflict naming ${object}`, () => { const c = degraded(ns, cluster); return c?.reason === 'NameConflict' && object.test(c.message ?? '') && c; }, { timeoutMs: 120_000, intervalMs: 1000 });
  await waitFor(`NameConflict Event naming ${object}`, () => events(ns, cluster, 'NameConflict').some((m) => object.test(m)), { timeoutMs: 30_000, intervalMs: 1000 });
  return d.message!;
}

const pvcOwners = (ns: string, pvc: string) => (kubectlJson<{ metadata: { ownerReferences?: { uid: string }[] } }>(['get', 'pvc', '-n', ns, pvc]).metadata.ownerReferences ?? []).map((o) => o.uid);

describe('objects the operator does not own, volumes that follow retainOnDelete', () => {
  const suite = useOperatorNamespace('e2e-names');
  let ns: string;
  before(() => ({ ns } = suite));

  it('namesake client Service, PDB and NetworkPolicy: NameConflict naming the Service, no member starts; they are unchanged through the cluster\'s life and after its deletion', { timeout: 300_000 }, async () => {
    const theirs = Object.entries(namesakes('taken')).filter(([ref]) => !ref.startsWith('secret/'));
    for (const [, o] of theirs) kubectl(['create', '-n', ns, '-f', '-'], JSON.stringify(o));
    const before = Object.fromEntries(theirs.map(([ref]) => [ref, fingerprint(ns, ref)]));

    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('taken', { size: 1, storage: { size: '64Mi' } }));
    const msg = await nameConflictReported(ns, 'taken', new RegExp(`Service ${ns}/taken-client already exists and belongs to someone else`));
    assert.match(msg, /delete it, or re-create it under another name/);
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=taken', '-o', 'name']).trim(), '', 'no member starts');
    for (const [ref] of theirs) assert.equal(fingerprint(ns, ref), before[ref], `${ref} unchanged while the cluster lives`);

    kubectl(['delete', 'etcdcluster.etcd.operator.dev', '-n', ns, 'taken', '--wait=true', '--timeout=120s']);
    for (const [ref] of theirs) assert.equal(fingerprint(ns, ref), before[ref], `${ref} still there, unchanged, after the cluster is gone`);
    assert.equal(kubectl(['get', 'service', '-n', ns, 'taken', '--ignore-not-found', '-o', 'name']).trim(), '', 'the headless Service it made is deleted');
  });

  it('the namesake removed, the cluster completes; a namesake root Secret is reported, never used or changed, until the spec names it; retainOnDelete reaches the volume at once and a foreground delete keeps it', { timeout: 600_000 }, async () => {
    const all = namesakes('heal');
    const mine = ['service/heal-client', 'secret/heal-root'] as const;
    for (const ref of mine) kubectl(['create', '-n', ns, '-f', '-'], JSON.stringify(all[ref]));
    const secretBefore = fingerprint(ns, 'secret/heal-root');

    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('heal', { size: 1, auth: { enabled: true }, storage: { size: '64Mi', retainOnDelete: false } }));
    await nameConflictReported(ns, 'heal', new RegExp(`Service ${ns}/heal-client already exists`));
    // The user deletes their Service; `etcdop ops retry` goes on at once (else the held Create runs again on its own).
    kubectl(['delete', 'service', '-n', ns, 'heal-client', '--wait=true']);
    etcdop(['ops', 'retry', 'heal', '-n', ns]);

    // Create completes; turning auth on then finds the root Secret's name taken.
    const msg = await nameConflictReported(ns, 'heal', new RegExp(`Secret ${ns}/heal-root already exists`));
    assert.match(msg, /name it in spec\.auth\.rootSecret/);
    assert.equal(getCluster(ns, 'heal').status?.readyMembers, 1, 'the cluster itself was created');
    assert.equal(fingerprint(ns, 'secret/heal-root'), secretBefore, 'their Secret is not changed');

    // The user decides to use their Secret: named in the spec, its password becomes root's (it is read, never written).
    kubectl(['patch', 'etcdcluster.etcd.operator.dev', '-n', ns, 'heal', '--type=merge', '-p', JSON.stringify({ spec: { auth: { enabled: true, rootSecret: 'heal-root' } } })]);
    await waitConverged(ns, 'heal', 1);
    await waitFor('auth on', () => events(ns, 'heal', 'AuthEnabled').length > 0, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.notEqual(degraded(ns, 'heal')?.reason, 'NameConflict');
    assert.equal(fingerprint(ns, 'secret/heal-root'), secretBefore, 'their Secret is still unchanged');

    // retainOnDelete on the running cluster: the member volume loses (and gets back) its owner reference at once.
    const uid = getCluster(ns, 'heal').metadata.uid;
    assert.deepEqual(pvcOwners(ns, 'data-heal-0'), [uid]);
    const setRetain = (retainOnDelete: boolean) => kubectl(['patch', 'etcdcluster.etcd.operator.dev', '-n', ns, 'heal', '--type=merge', '-p', JSON.stringify({ spec: { storage: { retainOnDelete } } })]);
    setRetain(true);
    await waitFor('the volume released', () => pvcOwners(ns, 'data-heal-0').length === 0, { timeoutMs: 20_000, intervalMs: 500 });
    setRetain(false);
    await waitFor('the volume owned again', () => pvcOwners(ns, 'data-heal-0').join() === uid, { timeoutMs: 20_000, intervalMs: 500 });
    setRetain(true);
    await waitFor('the volume released again', () => pvcOwners(ns, 'data-heal-0').length === 0, { timeoutMs: 20_000, intervalMs: 500 });

    // A foreground cascade delete removes every dependent first: the volume has none, so it stays.
    kubectl(['delete', 'etcdcluster.etcd.operator.dev', '-n', ns, 'heal', '--cascade=foreground', '--wait=true', '--timeout=180s']);
    assert.equal(kubectl(['get', 'pvc', '-n', ns, 'data-heal-0', '-o', 'name']).trim(), 'persistentvolumeclaim/data-heal-0', 'the retained volume is kept');
    assert.equal(fingerprint(ns, 'secret/heal-root'), secretBefore, 'their Secret outlives the cluster, unchanged');
    await waitFor('the Secret the operator owned is garbage-collected', () => kubectl(['get', 'secret', '-n', ns, 'heal-root-applied', '--ignore-not-found', '-o', 'name']).trim() === '', { timeoutMs: 60_000, intervalMs: 1000 });
    kubectl(['delete', 'pvc', '-n', ns, 'data-heal-0', '--wait=true']);
  });
});
