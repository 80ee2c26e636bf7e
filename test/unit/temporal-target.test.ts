// How the operator and the CLI reach Temporal: Temporal's client environment configuration.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { temporalTarget } from '../../client/temporal.ts';

const noFile = { TEMPORAL_CONFIG_FILE: join(tmpdir(), 'no-such-temporal.toml') };

describe('temporalTarget', () => {
  it('defaults to the local dev server, namespace default, plaintext', () => {
    const t = temporalTarget({ ...noFile });
    assert.equal(t.connectionOptions.address, '127.0.0.1:7233');
    assert.equal(t.namespace, 'default');
    assert.equal(t.describe, '127.0.0.1:7233 (namespace default, plaintext)');
  });

  it('reads address, namespace and mTLS material from TEMPORAL_* variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    for (const f of ['ca.crt', 'client.crt', 'client.key']) writeFileSync(join(dir, f), `-----${f}-----`);
    const t = temporalTarget({
      ...noFile, TEMPORAL_ADDRESS: 'temporal.example:7233', TEMPORAL_NAMESPACE: 'etcd',
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.crt'), TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.crt'), TEMPORAL_TLS_SERVER_NAME: 'frontend',
    });
    assert.equal(t.describe, 'temporal.example:7233 (namespace etcd, mTLS)');
    const tls = t.connectionOptions.tls as { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } };
    assert.equal(tls.serverNameOverride, 'frontend');
    assert.equal(Buffer.from(tls.serverRootCACertificate!).toString(), '-----ca.crt-----');
    assert.equal(Buffer.from(tls.clientCertPair!.key).toString(), '-----client.key-----');
  });

  it('an API key turns TLS on and never appears in the description', () => {
    const t = temporalTarget({ ...noFile, TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'secret-key-123' });
    assert.equal(t.connectionOptions.apiKey, 'secret-key-123');
    assert.equal(t.connectionOptions.tls, true);
    assert.equal(t.describe, 'ns.acct.tmprl.cloud:7233 (namespace ns.acct, TLS, API key)');
    assert.doesNotMatch(t.describe, /secret/);
  });

  it('takes a profile from the TOML file, and the environment overrides it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'toml-')), 'temporal.toml');
    writeFileSync(file, '[profile.prod]\naddress = "prod.example:7233"\nnamespace = "prod"\n[profile.prod.tls]\n');
    assert.equal(temporalTarget({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }).describe, 'prod.example:7233 (namespace prod, TLS)');
    assert.equal(temporalTarget({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod', TEMPORAL_NAMESPACE: 'other' }).namespace, 'other');
  });
});
