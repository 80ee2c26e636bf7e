// The sample application against a real etcd (TLS, auth on, a user limited to app/), reading its
// credentials from files laid out as the EtcdUser credentials Secret mounts them: the guestbook
// works, the counter counts, and reaching outside its prefix shows etcd's permission denied.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withEtcd, type EtcdCredentials } from '../../activities/etcd/client.ts';
import { issueCA, issueLeaf } from '../../activities/secrets/x509.ts';
import { repoRoot, ensureStack, toolDir } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const DAY = 86_400_000;
const ETCD_PORT = 24579;
const APP_PORT = 24590;

describe('examples/sample-app against a real etcd with TLS and auth', () => {
  let dir: string;
  let etcd: ChildProcess;
  let app: ChildProcess;
  const url = `https://localhost:${ETCD_PORT}`;
  const http = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${APP_PORT}${path}`, { ...init, redirect: 'manual' });

  before(async () => {
    ensureStack();
    dir = mkdtempSync(join(tmpdir(), 'sample-app-'));
    const t = new Date(Date.now() - 60_000);
    const ca = await issueCA('test CA', t, DAY);
    const server = await issueLeaf(ca, { commonName: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1'], usages: ['server', 'client'], notBefore: t, validityMs: DAY });
    for (const [f, v] of Object.entries({ 'ca.crt': ca.cert, 'server.crt': server.cert, 'server.key': server.key })) writeFileSync(join(dir, f), v);
    etcd = spawn(join(toolDir('etcd36'), 'etcd'), [
      '--data-dir', join(dir, 'data'), '--listen-client-urls', `https://127.0.0.1:${ETCD_PORT}`, '--advertise-client-urls', url,
      '--listen-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`,
      '--initial-cluster', `default=http://127.0.0.1:${ETCD_PORT + 1}`, '--log-level', 'warn', '--cert-file', join(dir, 'server.crt'), '--key-file', join(dir, 'server.key'),
    ], { stdio: 'ignore' });
    const tls = { ca: Buffer.from(ca.cert), servername: 'localhost' } as NonNullable<EtcdCredentials['tls']>;
    await waitFor('etcd up', () => withEtcd(url, (c) => c.maintenance.status(), 2000, { tls }).then(() => true, () => false), { timeoutMs: 20_000, intervalMs: 250 });
    // What the operator does for auth and for an EtcdUser with readwrite on app/.
    await withEtcd(url, async (c) => {
      await c.auth.roleAdd({ name: 'root' });
      await c.auth.userAdd({ name: 'root', password: 'rootpw' });
      await c.auth.userGrantRole({ user: 'root', role: 'root' });
      await c.auth.roleAdd({ name: 'app-rw' });
      await c.auth.roleGrantPermission({ name: 'app-rw', perm: { permType: 'Readwrite', key: Buffer.from('app/'), range_end: Buffer.from('app0') } });
      await c.auth.userAdd({ name: 'app', password: 'apppw' });
      await c.auth.userGrantRole({ user: 'app', role: 'app-rw' });
      await c.auth.authEnable();
    }, 5000, { tls });
    const creds = join(dir, 'credentials');
    mkdirSync(creds);
    for (const [f, v] of Object.entries({ endpoints: url, username: 'app', password: 'apppw', 'ca.crt': ca.cert })) writeFileSync(join(creds, f), v);
    app = spawn(process.execPath, ['--import', 'tsx', `${repoRoot}examples/sample-app/app.ts`], { env: { ...process.env, CREDENTIALS_DIR: creds, PORT: String(APP_PORT) }, stdio: 'ignore' });
    await waitFor('app up', () => http('/healthz').then((r) => r.ok, () => false), { timeoutMs: 30_000, intervalMs: 250 });
  });
  after(() => {
    app?.kill();
    etcd?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signing the guestbook stores the entry under app/; each page view counts a visit', async () => {
    const signed = await http('/sign', { method: 'POST', body: 'name=Ada', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(signed.status, 303);
    const page = await (await http('/')).text();
    assert.match(page, /<li>Ada<\/li>/);
    assert.match(page, /Visit number 1,/);
    assert.match(await (await http('/')).text(), /Visit number 2,/);
    const api = await (await http('/api')).json() as { visits: number; entries: string[] };
    assert.deepEqual(api, { visits: 2, entries: ['Ada'] });
  });

  it('reaching outside its prefix shows etcd\'s permission denied', async () => {
    const res = await http('/outside');
    assert.equal(res.status, 403);
    assert.match((await res.json() as { error: string }).error, /permission denied/);
  });
});
