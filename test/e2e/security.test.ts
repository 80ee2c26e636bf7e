// TLS and hardened pods on the local stack, in a namespace that enforces the Pod Security
// "restricted" profile: mode auto (the operator's own CA), client-certificate auth turned on and a
// certificate renewal rolled out with a writer running, mode secrets with certificates the test
// makes with openssl (and a replaced one rolled out), authentication turned on (root from a
// generated Secret, then changed through it), EtcdUsers (their permissions, a password change,
// deletion, bad input), admission refusing a TLS switch, bad Secrets reported without crashing, and
// a TLS cluster's backup and restore streams kept to port-forward (off the pod network).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { withEtcd } from '../../activities/etcd/client.ts';
import { testCA } from '../support/certs.ts';
import { clusterYaml, getCluster, waitConverged, waitEvent } from '../support/clusters.ts';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { toolDir } from '../support/stack.ts';
import { backupYaml, bucket, createS3Secret, waitBackupDone } from '../support/backups.ts';
import { answered } from '../support/etcd-answer.ts';
import { waitFor } from '../support/wait.ts';
import { Writer, clientServiceEndpoint, type ClientTls } from '../support/writer.ts';

const KINDS = 'etcdclusters.etcd.operator.dev';
const temporalCli = join(toolDir('temporal'), 'temporal');
const secretData = (ns: string, name: string) => {
  const s = kubectlJson<{ type: string; data: Record<string, string> }>(['get', 'secret', '-n', ns, name]);
  return { type: s.type, text: (k: string) => Buffer.from(s.data[k] ?? '', 'base64').toString('utf8') };
};
const tlsSecretYaml = (name: string, crt: string, key: string, ca: string | undefined) => JSON.stringify({
  apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/tls',
  data: { 'tls.crt': Buffer.from(crt).toString('base64'), 'tls.key': Buffer.from(key).toString('base64'), ...(ca && { 'ca.crt': Buffer.from(ca).toString('base64') }) },
});
const events = (ns: string, name: string, reason: string) => kubectlJson<{ items: { message: string }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=${reason}`]).items.map((e) => e.message);
const condition = (ns: string, name: string, type: string) => getCluster(ns, name).status?.conditions?.find((c) => c.type === type);
const userCondition = (ns: string, name: string) => kubectlJson<{ status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }>(['get', 'etcdusers.etcd.operator.dev', '-n', ns, name]).status?.conditions?.find((c) => c.type === 'Ready');
const userReady = (ns: string, name: string) => userCondition(ns, name)?.status;

/**
 * A put and a get through the client Service IP; the operator's client factory (it logs in over the
 * TLS channel that verifies the Service's name). One attempt: a refusal at the connection (no TLS,
 * an untrusted CA, no client certificate) is what some cases expect.
 */
async function roundTripOnce(hosts: string, tls?: ClientTls, auth?: { username: string; password: string }): Promise<string> {
  const creds = { ...(tls && { tls: tls as Required<ClientTls> }), ...(auth && { auth }) };
  return withEtcd(hosts, async (c) => {
    await c.put('probe').value('ok');
    return await c.get('probe').string() ?? '';
  }, 4000, creds);
}
/** The same, made again until etcd answers: its value, or its refusal (a login, a permission). */
const roundTrip = (hosts: string, tls?: ClientTls, auth?: { username: string; password: string }) =>
  answered('round trip', () => roundTripOnce(hosts, tls, auth));

describe('TLS and hardened member pods in a restricted namespace', () => {
  const suite = useOperatorNamespace('e2e-security');
  let ns: string;
  let clientTls: ClientTls;
  /** Passwords the operator generated for users (their Secrets are gone with them): scanned for too. */
  const madePasswords: string[] = [];
  const pki = testCA();

  before(() => {
    ({ ns } = suite);
    kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
  });
  after(() => pki.close());

  it('mode auto: the operator issues its CA and certificates, members serve https only, pods pass the restricted profile', { timeout: 240_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('auto', { size: 3, tls: { mode: 'auto' }, storage: { size: '64Mi' } }));
    await waitConverged(ns, 'auto', 3, 200_000);
    for (const s of ['auto-ca', 'auto-peer-tls', 'auto-server-tls', 'auto-operator-client-tls']) assert.equal(secretData(ns, s).type, 'kubernetes.io/tls', s);
    const server = new X509Certificate(secretData(ns, 'auto-server-tls').text('tls.crt'));
    assert.ok(server.checkHost(`auto-client.${ns}.svc`) && server.checkHost(`auto-1.auto.${ns}.svc`), server.subjectAltName);
    const op = secretData(ns, 'auto-operator-client-tls');
    clientTls = { ca: Buffer.from(op.text('ca.crt')), cert: Buffer.from(op.text('tls.crt')), key: Buffer.from(op.text('tls.key')), servername: `auto-client.${ns}.svc` };

    const pod = kubectlJson<{ spec: { automountServiceAccountToken: boolean; securityContext: { runAsNonRoot: boolean; runAsUser: number }; containers: { securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean } }[] } }>(['get', 'pod', '-n', ns, 'auto-0']);
    assert.equal(pod.spec.automountServiceAccountToken, false);
    assert.deepEqual([pod.spec.securityContext.runAsNonRoot, pod.spec.securityContext.runAsUser], [true, 65532]);
    assert.deepEqual([pod.spec.containers[0]!.securityContext.allowPrivilegeEscalation, pod.spec.containers[0]!.securityContext.readOnlyRootFilesystem], [false, true]);
    assert.equal(kubectlJson<{ metadata: { name: string } }>(['get', 'networkpolicy', '-n', ns, 'auto']).metadata.name, 'auto');

    const https = clientServiceEndpoint(ns, 'auto', 'https');
    assert.equal(await roundTrip(https, { ca: clientTls.ca, servername: clientTls.servername }), 'ok', 'a client that trusts the CA gets in');
    await assert.rejects(roundTripOnce(clientServiceEndpoint(ns, 'auto', 'http')), 'a plain-text client is refused');
    await assert.rejects(roundTripOnce(https, { ca: Buffer.from(pki.ca.crt), servername: clientTls.servername }), 'a client that does not trust the cluster\'s CA refuses the server');
  });

  it('a TLS cluster\'s snapshots never cross the pod network in clear: a backup to a PVC and a restore from S3 go through port-forward, every key restored', { timeout: 420_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('tb', { size: 1, tls: { mode: 'auto' }, storage: { size: '64Mi' } }));
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }));
    const s3 = createS3Secret(ns);
    await waitConverged(ns, 'tb', 1, 200_000);
    const tlsOf = (cluster: string) => {
      const op = secretData(ns, `${cluster}-operator-client-tls`);
      return { tls: { ca: Buffer.from(op.text('ca.crt')), cert: Buffer.from(op.text('tls.crt')), key: Buffer.from(op.text('tls.key')), servername: `${cluster}-client.${ns}.svc` } };
    };
    const KEYS = 300;
    await answered('tb writes', () => withEtcd(clientServiceEndpoint(ns, 'tb', 'https'), async (c) => { for (let i = 0; i < KEYS; i++) await c.put(`tb/${i}`).value(`v${i}`); }, 4000, tlsOf('tb')));

    // Every helper pod's way in, as long as it exists.
    const seen = new Map<string, string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const pods = kubectlJson<{ items: { metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> } }[] }>(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/helper']).items;
        for (const p of pods) if (p.metadata.annotations?.['etcd.operator.dev/transfer']) seen.set(`${p.metadata.labels?.['etcd.operator.dev/helper']}/${p.metadata.name}`, p.metadata.annotations['etcd.operator.dev/transfer']);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('tb-pvc', { clusterName: 'tb', destination: { pvc: { claimName: 'backups', path: 'etcd' } } }));
      kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('tb-s3', { clusterName: 'tb', destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: s3 } } }));
      for (const b of ['tb-pvc', 'tb-s3']) assert.equal((await waitBackupDone(ns, b)).status?.phase, 'Succeeded', b);
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('tbr', { size: 1, tls: { mode: 'auto' }, storage: { size: '64Mi' }, bootstrap: { backup: { name: 'tb-s3' } } }));
      await waitConverged(ns, 'tbr', 1, 300_000);
    } finally {
      watching = false;
      await watch;
    }
    assert.deepEqual([...seen.entries()].map(([pod, how]) => `${pod.split('/')[0]}=${how}`).sort(), ['backup=port-forward', 'restore=port-forward'], `the receiver and the restore pod took their streams through port-forward: ${JSON.stringify([...seen])}`);
    const restored = await answered('tbr read', () => withEtcd(clientServiceEndpoint(ns, 'tbr', 'https'), async (c) => c.getAll().prefix('tb/').strings(), 4000, tlsOf('tbr')));
    assert.equal(Object.keys(restored).length, KEYS);
    for (let i = 0; i < KEYS; i++) assert.equal(restored[`tb/${i}`], `v${i}`);
    for (const name of ['tb', 'tbr']) kubectl(['delete', 'etcdclusters.etcd.operator.dev', '-n', ns, name, '--wait=false']);
  });

  it('clientCertAuth on, then a certificate renewal: each rolled out one member at a time with a writer running, no acknowledged write lost', { timeout: 420_000 }, async () => {
    const writer = new Writer({ endpoints: [clientServiceEndpoint(ns, 'auto', 'https')], prefix: 'sec', tls: clientTls, maxDurationMs: 6 * 60_000 });
    writer.start();
    try {
      const before = secretData(ns, 'auto-server-tls').text('tls.crt');
      kubectl(['patch', KINDS, '-n', ns, 'auto', '--type=merge', '-p', JSON.stringify({ spec: { tls: { mode: 'auto', clientCertAuth: true } } })]);
      await waitFor('RollingUpdate for clientCertAuth', () => events(ns, 'auto', 'RollingUpdateSucceeded').length === 1, { timeoutMs: 240_000, intervalMs: 1000 });
      await waitConverged(ns, 'auto', 3);
      await assert.rejects(roundTripOnce(clientServiceEndpoint(ns, 'auto', 'https'), { ca: clientTls.ca, servername: clientTls.servername }), 'without a client certificate: refused');
      // Another validity: every auto certificate is due at once, issued again and rolled out.
      kubectl(['patch', KINDS, '-n', ns, 'auto', '--type=merge', '-p', JSON.stringify({ spec: { tls: { mode: 'auto', clientCertAuth: true, autoCertificateValidity: '1000h' } } })]);
      await waitFor('certificates issued again', () => events(ns, 'auto', 'CertificatesIssued').some((m) => /autoCertificateValidity changed/.test(m)), { timeoutMs: 60_000, intervalMs: 1000 });
      await waitFor('RollingUpdate for the renewed certificates', () => events(ns, 'auto', 'RollingUpdateSucceeded').length === 2, { timeoutMs: 240_000, intervalMs: 1000 });
      await waitConverged(ns, 'auto', 3);
      assert.notEqual(secretData(ns, 'auto-server-tls').text('tls.crt'), before, 'the server certificate was replaced');
    } finally {
      await writer.stop();
    }
    // The writer holds the old client certificate: same CA, still good.
    const v = await writer.verify();
    console.log(`security: acked ${v.acked}, failed ${v.failed}, longest unavailability ${writer.longestUnavailableMs} ms, errors ${JSON.stringify(writer.errors)}`);
    assert.ok(v.acked > 100, `the writer made progress (${v.acked})`);
    assert.deepEqual(v.missing, []);
    assert.deepEqual(v.wrongValue, []);
  });

  it('spec.auth.enabled on the running TLS cluster: root from the generated Secret gets in, a client without a login does not', { timeout: 180_000 }, async () => {
    kubectl(['patch', KINDS, '-n', ns, 'auto', '--type=merge', '-p', JSON.stringify({ spec: { auth: { enabled: true } } })]);
    await waitFor('ConfigureAuth succeeded', () => events(ns, 'auto', 'ConfigureAuthSucceeded').length === 1, { timeoutMs: 120_000, intervalMs: 1000 });
    await waitConverged(ns, 'auto', 3);
    const password = secretData(ns, 'auto-root').text('password');
    assert.ok(password.length >= 32, 'a random root password');
    const https = clientServiceEndpoint(ns, 'auto', 'https');
    await assert.rejects(roundTrip(https, clientTls), /user name is empty|permission denied|authentication/i, 'no login: refused');
    assert.equal(await roundTrip(https, clientTls, { username: 'root', password }), 'ok');
    await assert.rejects(roundTrip(https, clientTls, { username: 'root', password: 'wrong' }), /authentication failed/i);
    assert.ok(events(ns, 'auto', 'AuthEnabled').some((m) => /Secret auto-root/.test(m)));
  });

  it('an EtcdUser with readwrite on prefix app/: its credentials Secret logs in, writes app/x, is denied other/y; a password change takes effect; deleting it revokes it', { timeout: 240_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({
      apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdUser', metadata: { name: 'app' },
      spec: { clusterName: 'auto', username: 'app', roles: [{ name: 'app-rw', permissions: [{ type: 'readwrite', key: 'app/', prefix: true }] }] },
    }));
    await waitFor('EtcdUser Ready', () => userReady(ns, 'app') === 'True', { timeoutMs: 120_000, intervalMs: 1000 });
    const cred = secretData(ns, 'app-credentials');
    assert.equal(cred.text('endpoints'), `https://auto-client.${ns}.svc:2379`);
    assert.equal(cred.text('username'), 'app');
    assert.ok(cred.text('ca.crt').includes('BEGIN CERTIFICATE'));
    const https = clientServiceEndpoint(ns, 'auto', 'https');
    const login = (password: string) => ({ username: 'app', password });
    const tls = { ...clientTls, ca: Buffer.from(cred.text('ca.crt')) };
    const put = (key: string, password: string) => answered(`put ${key}`, () => withEtcd(https, async (c) => { await c.put(key).value('v'); }, 4000, { tls: tls as Required<ClientTls>, auth: login(password) }));
    const first = cred.text('password');
    madePasswords.push(first);
    await put('app/x', first);
    await assert.rejects(put('other/y', first), /permission denied/);

    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-password' }, stringData: { password: 'a-new-password-for-app-0123456789' } }));
    await waitFor('the new password works', () => put('app/x', 'a-new-password-for-app-0123456789').then(() => true, () => false), { timeoutMs: 90_000, intervalMs: 2000 });
    await assert.rejects(put('app/x', first), /authentication failed/);
    await waitFor('credentials Secret updated', () => secretData(ns, 'app-credentials').text('password') === 'a-new-password-for-app-0123456789', { timeoutMs: 30_000, intervalMs: 1000 });

    kubectl(['delete', 'etcdusers.etcd.operator.dev', '-n', ns, 'app', '--wait=true', '--timeout=60s']);
    await assert.rejects(put('app/x', 'a-new-password-for-app-0123456789'), /authentication failed/);
  });

  it('bad EtcdUsers: an unknown cluster, a duplicate username: a Ready=False condition and a Warning Event each; an invalid permission is refused at admission', { timeout: 120_000 }, async () => {
    const user = (name: string, spec: object) => kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdUser', metadata: { name }, spec }));
    user('lost', { clusterName: 'nope', username: 'lost' });
    user('first', { clusterName: 'auto', username: 'shared' });
    await waitFor('first Ready', () => userReady(ns, 'first') === 'True', { timeoutMs: 60_000, intervalMs: 1000 });
    user('second', { clusterName: 'auto', username: 'shared' });
    await waitFor('unknown cluster reported', () => /EtcdCluster \S+\/nope does not exist/.test(userCondition(ns, 'lost')?.message ?? ''), { timeoutMs: 60_000, intervalMs: 1000 });
    assert.equal(userCondition(ns, 'lost')?.reason, 'ClusterNotFound');
    await waitFor('duplicate reported', () => userCondition(ns, 'second')?.reason === 'DuplicateUsername', { timeoutMs: 60_000, intervalMs: 1000 });
    assert.match(userCondition(ns, 'second')!.message, /already managed by EtcdUser first/);
    await waitEvent(ns, 'lost', 'ClusterNotFound', /./);
    await waitEvent(ns, 'second', 'DuplicateUsername', /./);
    assert.ok(events(ns, 'lost', 'ClusterNotFound').length === 1);
    assert.ok(events(ns, 'second', 'DuplicateUsername').length === 1);
    assert.throws(() => user('badperm', { clusterName: 'auto', username: 'b', roles: [{ name: 'r', permissions: [{ type: 'admin', key: 'x' }] }] }), /Unsupported value: "admin"/);
    kubectl(['delete', 'etcdusers.etcd.operator.dev', '-n', ns, 'lost', 'first', 'second', '--wait=true', '--timeout=60s']);
  });

  it("the root Secret's password changed: etcd's root password follows it (the old one refused) and the operator, logging in with the new one, still manages users", { timeout: 300_000 }, async () => {
    const https = clientServiceEndpoint(ns, 'auto', 'https');
    const old = secretData(ns, 'auto-root').text('password');
    madePasswords.push(old);
    const next = 'a-new-root-password-0123456789abcdef';
    kubectl(['patch', 'secret', '-n', ns, 'auto-root', '--type=merge', '-p', JSON.stringify({ stringData: { password: next } })]);
    // Secrets are not watched: the loop sees the change at its next re-observation (at most 2 minutes apart).
    await waitFor('root logs in with the new password', () => roundTrip(https, clientTls, { username: 'root', password: next }).then(() => true, () => false), { timeoutMs: 200_000, intervalMs: 2000 });
    await assert.rejects(roundTrip(https, clientTls, { username: 'root', password: old }), /authentication failed/i);
    await waitFor('RootPasswordChanged Event', () => events(ns, 'auto', 'RootPasswordChanged').some((m) => /Secret auto-root/.test(m)), { timeoutMs: 30_000, intervalMs: 1000 });
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdUser', metadata: { name: 'later' }, spec: { clusterName: 'auto', username: 'later' } }));
    await waitFor('EtcdUser made after the change Ready', () => userReady(ns, 'later') === 'True', { timeoutMs: 60_000, intervalMs: 1000 });
    madePasswords.push(secretData(ns, 'later-password').text('password'));
    kubectl(['delete', 'etcdusers.etcd.operator.dev', '-n', ns, 'later', '--wait=true', '--timeout=60s']);
  });

  it('no password or private key the operator or the test made appears in any workflow history or the operator\'s log', { timeout: 120_000 }, () => {
    const secrets = [
      secretData(ns, 'auto-root').text('password'),
      'a-new-password-for-app-0123456789', ...madePasswords,
      ...['auto-ca', 'auto-peer-tls', 'auto-server-tls', 'auto-operator-client-tls'].map((n) => secretData(ns, n).text('tls.key')),
    ];
    // Keys as they would show in a log or a payload: the PEM body lines, and base64 of the password.
    const needles = secrets.flatMap((v) => (v.includes('PRIVATE KEY') ? v.split('\n').filter((l) => l.length > 40) : [v, Buffer.from(v).toString('base64')]));
    assert.ok(needles.length >= 6);
    const ids = (JSON.parse(execFileSync(temporalCli, ['workflow', 'list', '--query', `TaskQueue='${suite.operator.taskQueue}'`, '--limit', '500', '-o', 'json'], { encoding: 'utf8' })) as { execution: { workflowId: string; runId: string } }[]);
    assert.ok(ids.length >= 5, `workflows of this run: ${ids.length}`);
    for (const w of ids) {
      const history = execFileSync(temporalCli, ['workflow', 'show', '-w', w.execution.workflowId, '-r', w.execution.runId, '-o', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      // Payloads are base64 JSON: decode every data field before looking.
      const decoded = [...history.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString('utf8')).join('\n');
      for (const n of needles) assert.ok(!history.includes(n) && !decoded.includes(n), `a secret value in the history of ${w.execution.workflowId}`);
    }
    const log = readFileSync(suite.operator.logFile, 'utf8');
    for (const n of needles) assert.ok(!log.includes(n), 'a secret value in the operator log');
  });

  it('spec.tls cannot be removed or change mode: admission says why', () => {
    assert.throws(() => kubectl(['patch', KINDS, '-n', ns, 'auto', '--type=json', '-p', '[{"op":"remove","path":"/spec/tls"}]']), /spec\.tls cannot be added, removed or change mode/);
    assert.throws(() => kubectl(['patch', KINDS, '-n', ns, 'auto', '--type=merge', '-p', JSON.stringify({ spec: { tls: { mode: 'secrets', peerSecret: 'a', serverSecret: 'b', operatorClientSecret: 'c' } } })]), /spec\.tls cannot be added, removed or change mode/);
  });

  it('bad Secrets: a missing one, then one without ca.crt, each a Degraded condition and a Warning Event naming the field; nothing starts until they are right', { timeout: 240_000 }, async () => {
    const server = pki.leaf('server', { dns: [`*.own.${ns}.svc`, `own-client.${ns}.svc`, 'localhost'], ips: ['127.0.0.1'] });
    const peer = pki.leaf('peer', { dns: [`*.own.${ns}.svc`] });
    const client = pki.leaf('client', { usages: ['clientAuth'] });
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('own', { size: 1, storage: { size: '64Mi' }, tls: { mode: 'secrets', peerSecret: 'own-peer', serverSecret: 'own-server', operatorClientSecret: 'own-client' } }));
    await waitFor('missing Secret reported', () => /spec\.tls\.peerSecret: Secret \S+\/own-peer not found/.test(condition(ns, 'own', 'Degraded')?.message ?? ''), { timeoutMs: 60_000, intervalMs: 1000 });
    assert.equal(condition(ns, 'own', 'Degraded')?.reason, 'TLSSecretInvalid');
    await waitEvent(ns, 'own', 'TLSSecretInvalid', /own-peer not found/);
    kubectl(['apply', '-n', ns, '-f', '-'], tlsSecretYaml('own-peer', peer.crt, peer.key, undefined));
    await waitFor('Secret without ca.crt reported', () => /own-peer has no ca\.crt/.test(condition(ns, 'own', 'Degraded')?.message ?? ''), { timeoutMs: 60_000, intervalMs: 1000 });
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=own', '-o', 'name']).trim(), '', 'no member started');

    // Fixed: certificates the test made with openssl; the cluster forms and serves them.
    kubectl(['apply', '-n', ns, '-f', '-'], tlsSecretYaml('own-peer', peer.crt, peer.key, pki.ca.crt));
    kubectl(['apply', '-n', ns, '-f', '-'], tlsSecretYaml('own-server', server.crt, server.key, pki.ca.crt));
    kubectl(['apply', '-n', ns, '-f', '-'], tlsSecretYaml('own-client', client.crt, client.key, pki.ca.crt));
    await waitConverged(ns, 'own', 1, 180_000);
    assert.equal(await roundTrip(clientServiceEndpoint(ns, 'own', 'https'), { ca: Buffer.from(pki.ca.crt), servername: `own-client.${ns}.svc` }), 'ok');
  });

  it('mode secrets: a new certificate put into the server Secret is rolled out: the member restarts once onto it and serves it', { timeout: 300_000 }, async () => {
    const podUid = () => kubectlJson<{ metadata: { uid: string } }>(['get', 'pod', '-n', ns, 'own-0']).metadata.uid;
    const { hostname } = new URL(clientServiceEndpoint(ns, 'own', 'https'));
    const served = () => new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: hostname, port: 2379, servername: `own-client.${ns}.svc`, ca: pki.ca.crt }, () => { resolve(s.getPeerCertificate().fingerprint256); s.end(); });
      s.setTimeout(3000, () => s.destroy(new Error('TLS handshake timed out')));
      s.on('error', reject);
    });
    const uidBefore = podUid();
    const rolledBefore = events(ns, 'own', 'RollingUpdateSucceeded').length;
    const renewed = pki.leaf('server', { dns: [`*.own.${ns}.svc`, `own-client.${ns}.svc`, 'localhost'], ips: ['127.0.0.1'] });
    const want = new X509Certificate(renewed.crt).fingerprint256;
    assert.notEqual(await served(), want);
    kubectl(['apply', '-n', ns, '-f', '-'], tlsSecretYaml('own-server', renewed.crt, renewed.key, pki.ca.crt));
    // etcd reads its certificate files at each handshake, so once the kubelet has refreshed the
    // Secret's volume the old pod may serve the new certificate already: the restart is waited for.
    await waitFor('the member was restarted onto it', () => { try { return podUid() !== uidBefore; } catch { return false; } }, { timeoutMs: 240_000, intervalMs: 1000 });
    await waitFor('the member serves the new certificate', () => served().then((f) => f === want, () => false), { timeoutMs: 240_000, intervalMs: 2000 });
    await waitConverged(ns, 'own', 1);
    await waitFor('RollingUpdateSucceeded', () => events(ns, 'own', 'RollingUpdateSucceeded').length === rolledBefore + 1, { timeoutMs: 30_000, intervalMs: 1000 });
  });
});
