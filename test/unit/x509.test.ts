// The certificates mode auto issues, checked the way etcd (Go) and the operator (Node) check them:
// chain to the CA, names, usages, key match; and every way a user's Secret can be wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { issueCA, issueLeaf, lifetimeLeft, tlsFilesProblem, type Pem } from '../../activities/secrets/x509.ts';

const NOW = new Date('2026-11-28T10:00:00Z');
const DAY = 86_400_000;
let ca: Pem;
let server: Pem;
const files = (leaf: Pem, caPem = ca.cert) => ({ 'tls.crt': leaf.cert, 'tls.key': leaf.key, 'ca.crt': caPem });

describe('x509: issuing and checking certificates', () => {
  it('issues a CA and a server certificate for the member wildcard, the client Service and localhost', async () => {
    ca = await issueCA('db etcd CA', NOW, 3650 * DAY);
    server = await issueLeaf(ca, { commonName: 'db server', dnsNames: ['*.db.prod.svc', 'db-client.prod.svc', 'localhost'], ips: ['127.0.0.1'], usages: ['server', 'client'], notBefore: NOW, validityMs: 90 * DAY });
    const c = new X509Certificate(server.cert);
    assert.ok(c.checkIssued(new X509Certificate(ca.cert)));
    assert.equal(c.checkHost('db-0.db.prod.svc'), '*.db.prod.svc', 'the wildcard covers every member');
    assert.equal(c.checkHost('db-0.other.prod.svc'), undefined);
    assert.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(new X509Certificate(ca.cert).ca, true);
    assert.equal(c.ca, false);
  });
  it('a good Secret has no problem', () =>
    assert.equal(tlsFilesProblem(files(server), { host: 'db-client.prod.svc', usage: 'both', now: NOW }), undefined));
  const bad: [string, () => Parameters<typeof tlsFilesProblem>[0], RegExp, string?][] = [
    ['missing keys', () => ({ 'tls.crt': server.cert }), /has no tls\.key, ca\.crt/],
    ['a key of another certificate', () => ({ ...files(server), 'tls.key': ca.key }), /tls\.key is not the key of tls\.crt/],
    ['garbage in tls.crt', () => ({ ...files(server), 'tls.crt': 'hello' }), /tls\.crt is not a PEM certificate/],
    ['a CA that did not sign it', () => files(server, server.cert), /not signed by a certificate in ca\.crt/],
    ['a name it does not cover', () => files(server), /does not cover other-client\.prod\.svc/, 'other-client.prod.svc'],
  ];
  for (const [name, f, want, host] of bad) {
    it(`refuses ${name}`, () => assert.match(tlsFilesProblem(f(), { host: host ?? 'db-client.prod.svc', now: NOW }) ?? '', want));
  }
  it('refuses an expired certificate and a client-only certificate used for a server', async () => {
    assert.match(tlsFilesProblem(files(server), { now: new Date(NOW.getTime() + 91 * DAY) }) ?? '', /expired/);
    const client = await issueLeaf(ca, { commonName: 'op', dnsNames: [], usages: ['client'], notBefore: NOW, validityMs: DAY });
    assert.match(tlsFilesProblem(files(client), { usage: 'server', now: NOW }) ?? '', /not for server authentication/);
    assert.equal(tlsFilesProblem(files(client), { usage: 'client', now: NOW }), undefined);
  });
  it('a CA bundle with an old and a new CA verifies certificates of either', async () => {
    const ca2 = await issueCA('db etcd CA 2', NOW, 3650 * DAY);
    assert.equal(tlsFilesProblem(files(server, `${ca2.cert}${ca.cert}`), { now: NOW }), undefined);
  });
  it('lifetimeLeft: 1 at issue, 1/3 two thirds in, 0 once expired', () => {
    assert.ok(Math.abs(lifetimeLeft(server.cert, NOW) - 1) < 0.001);
    assert.ok(Math.abs(lifetimeLeft(server.cert, new Date(NOW.getTime() + 60 * DAY)) - 1 / 3) < 0.001);
    assert.equal(lifetimeLeft(server.cert, new Date(NOW.getTime() + 100 * DAY)), 0);
    assert.equal(lifetimeLeft('garbage', NOW), 0);
  });
});
