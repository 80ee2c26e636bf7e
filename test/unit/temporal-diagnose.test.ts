// The one-line reason `etcdop run` gives when Temporal turns it away: a node:tls probe with the same
// material, against a local TLS server that requires client certificates of its own CA.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { diagnoseTls, temporalConnectError } from '../../client/temporal-diagnose.ts';
import type { TemporalTarget } from '../../client/temporal.ts';
import { testCA, type CertPair } from '../support/certs.ts';

const target = (address: string, tls: TemporalTarget['connectionOptions']['tls']): TemporalTarget =>
  ({ connectionOptions: { address, tls }, namespace: 'default', describe: `${address} (namespace default, test)` });
const pem = (s: string) => Buffer.from(s);

describe('diagnoseTls', () => {
  const ours = testCA('temporal-ca');
  const other = testCA('other-ca');
  let server: Server;
  let address: string;
  let client: CertPair;
  let stranger: CertPair;

  before(async () => {
    const frontend = ours.leaf('temporal-frontend', { ips: ['127.0.0.1'], usages: ['serverAuth'] });
    client = ours.leaf('etcd-operator', { usages: ['clientAuth'] });
    stranger = other.leaf('intruder', { usages: ['clientAuth'] });
    server = createServer({ cert: frontend.crt, key: frontend.key, ca: ours.ca.crt, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
      (s) => { s.once('data', () => s.write('settings')); s.on('error', () => {}); });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => { server.close(); ours.close(); other.close(); });

  it('finds nothing wrong when the CA and the client certificate are right', async () => {
    assert.equal(await diagnoseTls(target(address, { serverRootCACertificate: pem(ours.ca.crt), clientCertPair: { crt: pem(client.crt), key: pem(client.key) } })), undefined);
  });

  it('says the server requires a client certificate when none is configured', async () => {
    const d = await diagnoseTls(target(address, { serverRootCACertificate: pem(ours.ca.crt) }));
    assert.equal(d?.refused, true);
    assert.match(d!.reason, /requires a client certificate and none is configured \(TEMPORAL_TLS_CLIENT_CERT_PATH/);
  });

  it('says the server rejected a client certificate of another CA, naming it', async () => {
    const d = await diagnoseTls(target(address, { serverRootCACertificate: pem(ours.ca.crt), clientCertPair: { crt: pem(stranger.crt), key: pem(stranger.key) } }));
    assert.equal(d?.refused, true);
    // OpenSSL servers (node:tls) close without an alert; Go's (Temporal's) send "bad certificate".
    assert.match(d!.reason, /(rejected|did not accept) our client certificate "CN=intruder" issued by "CN=other-ca"/);
  });

  it('says we do not trust the server when our CA did not sign its certificate', async () => {
    const d = await diagnoseTls(target(address, { serverRootCACertificate: pem(other.ca.crt), clientCertPair: { crt: pem(client.crt), key: pem(client.key) } }));
    assert.equal(d?.refused, true);
    assert.match(d!.reason, /we do not trust the server's certificate "CN=temporal-frontend" issued by "CN=temporal-ca": .* against the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH \("CN=other-ca"/);
  });

  it('says a plaintext client meets a TLS server', async () => {
    const d = await diagnoseTls(target(address, undefined));
    assert.match(d!.reason, /speaks TLS but the client connects in plaintext/);
  });

  it('says nothing listens, and makes one line naming the target', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const free = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const t = target(free, { serverRootCACertificate: pem(ours.ca.crt) });
    assert.deepEqual(await diagnoseTls(t), { refused: false, reason: `nothing listens on ${free} (connection refused)` });
    const err = await temporalConnectError(t, new Error('Failed to call GetSystemInfo: transport error\nmore'));
    assert.equal(err.message, `could not reach Temporal at ${free} (namespace default, test): nothing listens on ${free} (connection refused) (client error: Failed to call GetSystemInfo: transport error)`);
  });
});
