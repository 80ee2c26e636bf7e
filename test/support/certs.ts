// Certificates a test makes itself with the openssl CLI (independent of the operator's own issuing
// code): a CA, and leaf certificates with the names and usages it asks for.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair { crt: string; key: string }

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA and a signer of leaf certificates; everything lives in a temp dir removed by close(). */
export function testCA(name = 'test-ca') {
  const dir = mkdtempSync(join(tmpdir(), 'certs-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const ca: CertPair = { crt: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
  let n = 0;
  return {
    ca,
    /** A leaf signed by this CA. */
    leaf(cn: string, { dns = [], ips = [], usages = ['serverAuth', 'clientAuth'] }: { dns?: string[]; ips?: string[]; usages?: string[] }): CertPair {
      const id = `leaf${++n}`;
      const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
      writeFileSync(join(dir, `${id}.ext`), [
        'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${usages.join(',')}`, ...(san ? [`subjectAltName=${san}`] : []),
      ].join('\n'));
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${id}.key`, '-out', `${id}.csr`, '-subj', `/CN=${cn}`], dir);
      openssl(['x509', '-req', '-in', `${id}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${id}.crt`, '-days', '30', '-extfile', `${id}.ext`], dir);
      return { crt: readFileSync(join(dir, `${id}.crt`), 'utf8'), key: readFileSync(join(dir, `${id}.key`), 'utf8') };
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
