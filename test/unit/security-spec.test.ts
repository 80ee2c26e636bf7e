// spec.tls and spec.auth as the operator validates them (zod), and when mode auto renews a certificate.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { durationMs } from '../../k8s/security-spec.ts';
import { renewalReason } from '../../activities/secrets/certificates.ts';
import { issueCA, issueLeaf } from '../../activities/secrets/x509.ts';
import { peerDnsNames, serverDnsNames } from '../../k8s/tls-names.ts';

const errors = (spec: unknown) => { const v = validateClusterSpec(spec); return v.ok ? [] : v.errors.map((e) => `${e.field}: ${e.message}`); };

describe('spec.tls and spec.auth validation', () => {
  it('mode auto: defaults (no client certificates, 2160h certificates); auth off by default', () => {
    const v = validateClusterSpec({ tls: { mode: 'auto' } });
    assert.ok(v.ok);
    assert.deepEqual(v.spec.tls, { mode: 'auto', clientCertAuth: false, autoCertificateValidity: '2160h' });
    assert.deepEqual(v.spec.auth, { enabled: false });
  });
  const bad: [string, unknown, RegExp][] = [
    ['mode secrets without its Secrets', { tls: { mode: 'secrets', peerSecret: 'p' } }, /spec\.tls\.serverSecret is required when spec\.tls\.mode is secrets/],
    ['mode auto naming a Secret', { tls: { mode: 'auto', serverSecret: 's' } }, /spec\.tls\.serverSecret must not be set when spec\.tls\.mode is auto/],
    ['an unknown mode', { tls: { mode: 'letsencrypt' } }, /spec\.tls\.mode: must be auto .* or secrets/],
    ['a Secret name that is not one', { tls: { mode: 'secrets', peerSecret: 'Bad_Name', serverSecret: 's', operatorClientSecret: 'o' } }, /spec\.tls\.peerSecret: must be the name of a Secret/],
    ['a validity under a minute', { tls: { mode: 'auto', autoCertificateValidity: '30s' } }, /autoCertificateValidity: must be a duration like 2160h/],
    ['a validity in days', { tls: { mode: 'auto', autoCertificateValidity: '90d' } }, /autoCertificateValidity: must be a duration/],
    ['auth.enabled not a boolean', { auth: { enabled: 'yes' } }, /spec\.auth\.enabled: must be true or false/],
  ];
  for (const [name, spec, want] of bad) it(`refuses ${name}`, () => assert.match(errors(spec).join('; '), want));
  it('durations: 2160h, 1h30m, 90m', () => assert.deepEqual(['2160h', '1h30m', '90m'].map(durationMs), [7_776_000_000, 5_400_000, 5_400_000]));
});

describe('mode auto renewal', () => {
  const ref = { name: 'db', namespace: 'prod' };
  const tls = { mode: 'auto' as const, clientCertAuth: false, autoCertificateValidity: '90m' };
  const T0 = new Date('2026-11-28T10:00:00Z');
  const at = (min: number) => new Date(T0.getTime() + min * 60_000);
  it('missing, current, a third left, another CA, another validity', async () => {
    const ca = await issueCA('ca', T0, 86_400_000);
    const other = await issueCA('other', T0, 86_400_000);
    const leaf = await issueLeaf(ca, { commonName: 's', dnsNames: serverDnsNames('db', 'prod'), usages: ['server', 'client'], notBefore: T0, validityMs: 90 * 60_000 });
    const files = { 'tls.crt': leaf.cert, 'tls.key': leaf.key, 'ca.crt': ca.cert };
    assert.equal(renewalReason(undefined, ca.cert, ref, 'server', tls, at(1)), 'missing');
    assert.equal(renewalReason(files, ca.cert, ref, 'server', tls, at(1)), undefined);
    assert.equal(renewalReason(files, ca.cert, ref, 'server', tls, at(59)), undefined, 'more than a third left');
    assert.equal(renewalReason(files, ca.cert, ref, 'server', tls, at(61)), 'a third of its lifetime left');
    assert.equal(renewalReason(files, other.cert, ref, 'server', tls, at(1)), 'signed by another CA');
    assert.equal(renewalReason(files, ca.cert, ref, 'server', { ...tls, autoCertificateValidity: '2h' }, at(1)), 'spec.tls.autoCertificateValidity changed');
    assert.match(renewalReason(files, ca.cert, { name: 'db', namespace: 'other' }, 'server', tls, at(1)) ?? '', /does not cover db-client\.other\.svc/);
    const peer = await issueLeaf(ca, { commonName: 'p', dnsNames: peerDnsNames('db', 'prod'), usages: ['server', 'client'], notBefore: T0, validityMs: 90 * 60_000 });
    assert.equal(renewalReason({ 'tls.crt': peer.cert, 'tls.key': peer.key, 'ca.crt': ca.cert }, ca.cert, ref, 'peer', tls, at(1)), undefined);
  });
});
