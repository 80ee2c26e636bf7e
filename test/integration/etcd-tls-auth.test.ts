// Real etcd processes (both pinned versions) serving TLS with client-certificate auth and, once
// turned on, password auth: the operator's client dials an address its server certificate does not
// name (as it dials pod IPs) and verifies the client Service's name; it logs in as root through
// that same channel; the auth status probe tells off from on without a login.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authStatus, withEtcd, type EtcdCredentials } from '../../activities/etcd/client.ts';
import { issueCA, issueLeaf } from '../../activities/secrets/x509.ts';
import { ensureStack, toolDir } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const DAY = 86_400_000;

for (const [tool, port] of [['etcd35', 24379], ['etcd36', 24479]] as const) {
  describe(`${tool}: TLS with client certificates, then password auth`, () => {
    let dir: string;
    let proc: ChildProcess;
    let tls: NonNullable<EtcdCredentials['tls']>;
    const url = `https://127.0.0.1:${port}`;

    before(async () => {
      ensureStack();
      dir = mkdtempSync(join(tmpdir(), 'etcd-tls-'));
      const t = new Date(Date.now() - 60_000);
      const ca = await issueCA('test CA', t, DAY);
      // Names only: 127.0.0.1 is not in the certificate, as a pod IP is not in a member's.
      const server = await issueLeaf(ca, { commonName: 'server', dnsNames: ['db-client.ns.svc'], usages: ['server', 'client'], notBefore: t, validityMs: DAY });
      const client = await issueLeaf(ca, { commonName: 'etcd-operator', dnsNames: [], usages: ['client'], notBefore: t, validityMs: DAY });
      for (const [f, v] of Object.entries({ 'ca.crt': ca.cert, 'server.crt': server.cert, 'server.key': server.key })) writeFileSync(join(dir, f), v);
      tls = { ca: Buffer.from(ca.cert), cert: Buffer.from(client.cert), key: Buffer.from(client.key), servername: 'db-client.ns.svc' };
      proc = spawn(join(toolDir(tool), 'etcd'), [
        '--data-dir', join(dir, 'data'), '--listen-client-urls', url, '--advertise-client-urls', url,
        '--listen-peer-urls', `http://127.0.0.1:${port + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${port + 1}`,
        '--initial-cluster', `default=http://127.0.0.1:${port + 1}`, '--log-level', 'warn',
        '--cert-file', join(dir, 'server.crt'), '--key-file', join(dir, 'server.key'), '--trusted-ca-file', join(dir, 'ca.crt'), '--client-cert-auth',
      ], { stdio: 'ignore' });
      await waitFor('etcd serving TLS', () => withEtcd(url, (c) => c.maintenance.status(), 2000, { tls }).then(() => true, () => false), { timeoutMs: 20_000, intervalMs: 250 });
    });
    after(() => {
      proc?.kill('SIGKILL');
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('without a client certificate the member refuses the client; with it, the call goes through', async () => {
      await assert.rejects(withEtcd(url, (c) => c.maintenance.status(), 2000, { tls: { ...tls, cert: undefined as never, key: undefined as never } }));
      assert.match((await withEtcd(url, (c) => c.maintenance.status(), 2000, { tls })).version, /^3\.[56]\./);
    });

    it('the auth status probe: off, then on after root is made and auth enabled', async () => {
      assert.equal(await authStatus([url], { tls }), false);
      await withEtcd(url, async (c) => {
        await c.auth.roleAdd({ name: 'root' });
        await c.auth.userAdd({ name: 'root', password: 'pw' });
        await c.auth.userGrantRole({ user: 'root', role: 'root' });
        await c.auth.authEnable();
      }, 5000, { tls });
      assert.equal(await authStatus([url], { tls }), true);
    });

    it('root logs in over the operator\'s own TLS channel (the name it verifies, not the address it dials)', async () => {
      const members = await withEtcd(url, (c) => c.cluster.memberList({ linearizable: true }), 5000, { tls, auth: { username: 'root', password: 'pw' } });
      assert.equal(members.members.length, 1);
      await assert.rejects(withEtcd(url, (c) => c.cluster.memberList({}), 5000, { tls, auth: { username: 'root', password: 'wrong' } }), /authentication failed/);
    });
  });
}
