// JWT authorization of the stack's real Temporal server (STACK_TEMPORAL=server), as a production
// Temporal is run: the server checks RS256 tokens against a JWKS and reads Temporal's
// `permissions` claim ("<namespace>:<read|write|worker|admin>", "temporal-system:admin").
//   node jwt.mjs jwks <private-key.pem>                          the public JWKS, on stdout
//   node jwt.mjs token <private-key.pem> <subject> <permission>...  a signed token, on stdout
// Plain Node (no dependencies): the stack scripts run it before any npm install.
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import process from 'node:process';

const KID = 'etcd-operator-local-stack';
const b64url = (data) => Buffer.from(data).toString('base64url');

function jwks(privateKeyPem) {
  const jwk = createPublicKey(createPrivateKey(privateKeyPem)).export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] };
}

function token(privateKeyPem, subject, permissions, validSeconds = 365 * 24 * 3600) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: KID }));
  const payload = b64url(JSON.stringify({ sub: subject, permissions, iat: now, exp: now + validSeconds }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey(privateKeyPem));
  return `${header}.${payload}.${b64url(signature)}`;
}

{
  const [cmd, keyFile, subject, ...permissions] = process.argv.slice(2);
  if (!keyFile || (cmd !== 'jwks' && cmd !== 'token') || (cmd === 'token' && !subject)) {
    process.stderr.write('usage: jwt.mjs jwks <private-key.pem> | jwt.mjs token <private-key.pem> <subject> <permission>...\n');
    process.exit(2);
  }
  const pem = readFileSync(keyFile, 'utf8');
  process.stdout.write(cmd === 'jwks' ? `${JSON.stringify(jwks(pem))}\n` : `${token(pem, subject, permissions)}\n`);
}
