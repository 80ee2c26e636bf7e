// Certificates for mode auto, issued with @peculiar/x509 on Node's WebCrypto (ECDSA P-256), and
// checks of any certificate Secret (auto or the user's) with Node's own X509Certificate.
// @peculiar/x509 resolves its ASN.1 parsers through tsyringe, which needs the metadata polyfill first.
import 'reflect-metadata';
import { X509Certificate, createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate and its private key, PEM. */
export interface Pem { cert: string; key: string }

const serial = () => `01${randomBytes(15).toString('hex')}`; // positive, 16 bytes
const keyPair = () => crypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const keyPem = async (k: CryptoKey) => x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', k), 'PRIVATE KEY');
const importKey = (pem: string) => crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(pem), ALG, true, ['sign']);

/** A self-signed CA. */
export async function issueCA(commonName: string, notBefore: Date, validityMs: number): Promise<Pem> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: `CN=${commonName}`, notBefore, notAfter: new Date(notBefore.getTime() + validityMs), signingAlgorithm: ALG, keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

export interface LeafRequest {
  commonName: string;
  dnsNames: string[];
  ips?: string[];
  /** Server and/or client authentication (etcd peers need both). */
  usages: ('server' | 'client')[];
  notBefore: Date;
  validityMs: number;
}

/** A certificate signed by `ca`. */
export async function issueLeaf(ca: Pem, r: LeafRequest): Promise<Pem> {
  const keys = await keyPair();
  const caCert = new x509.X509Certificate(ca.cert);
  const names = [...r.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...(r.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: `CN=${r.commonName}`, issuer: caCert.subject,
    notBefore: r.notBefore, notAfter: new Date(r.notBefore.getTime() + r.validityMs),
    signingAlgorithm: ALG, publicKey: keys.publicKey, signingKey: await importKey(ca.key),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(r.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth))),
      ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** The certificates of a PEM bundle (ca.crt may hold several). */
export function parseBundle(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((b) => new X509Certificate(b));
}

/** What a kubernetes.io/tls Secret must hold: tls.crt, tls.key and ca.crt. */
export interface TlsFiles { 'tls.crt'?: string; 'tls.key'?: string; 'ca.crt'?: string }

export interface CertCheck {
  /** A name the certificate must cover (a member's or the client Service's). */
  host?: string;
  usage?: 'server' | 'client' | 'both';
  now: Date;
}

const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' };

/** Why these files cannot serve (missing key, unparseable, key mismatch, expired, not signed by ca.crt, wrong name), or undefined. */
export function tlsFilesProblem(files: TlsFiles, check: CertCheck): string | undefined {
  const missing = (['tls.crt', 'tls.key', 'ca.crt'] as const).filter((k) => !files[k]?.trim());
  if (missing.length) return `has no ${missing.join(', ')}`;
  let cert: X509Certificate;
  let cas: X509Certificate[];
  try {
    cert = new X509Certificate(files['tls.crt']!);
  } catch (err) {
    return `tls.crt is not a PEM certificate (${(err as Error).message})`;
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(files['tls.key']!))) return 'tls.key is not the key of tls.crt';
  } catch (err) {
    return `tls.key is not a PEM private key (${(err as Error).message})`;
  }
  try {
    cas = parseBundle(files['ca.crt']!);
  } catch (err) {
    return `ca.crt is not a PEM certificate bundle (${(err as Error).message})`;
  }
  if (!cas.length) return 'ca.crt holds no certificate';
  const now = check.now.getTime();
  if (Date.parse(cert.validTo) <= now) return `tls.crt expired on ${cert.validTo}`;
  if (Date.parse(cert.validFrom) > now) return `tls.crt is not valid before ${cert.validFrom}`;
  if (!cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return 'tls.crt is not signed by a certificate in ca.crt';
  if (check.host && !cert.checkHost(check.host, { wildcards: true })) return `tls.crt does not cover ${check.host} (its names: ${cert.subjectAltName ?? 'none'})`;
  const usages = check.usage === 'both' ? ['server', 'client'] as const : check.usage ? [check.usage] : [];
  const eku = new x509.X509Certificate(cert.raw).getExtension(x509.ExtendedKeyUsageExtension);
  for (const u of usages) if (eku && !eku.usages.includes(EKU[u])) return `tls.crt is not for ${u} authentication (extended key usage)`;
  return undefined;
}

/** How much of a certificate's lifetime is left, 0..1 (0 when expired or unparseable). */
export function lifetimeLeft(certPem: string, now: Date): number {
  try {
    const c = new X509Certificate(certPem);
    const from = Date.parse(c.validFrom);
    const to = Date.parse(c.validTo);
    return Math.max(0, (to - now.getTime()) / (to - from));
  } catch {
    return 0;
  }
}

/** Lifetime of a certificate in ms (0 when unparseable). */
export function lifetimeMs(certPem: string): number {
  try {
    const c = new X509Certificate(certPem);
    return Date.parse(c.validTo) - Date.parse(c.validFrom);
  } catch {
    return 0;
  }
}

/** A short digest of certificates (never of keys): changes when any of them is replaced. */
export const certFingerprint = (...pems: string[]): string => createHash('sha256').update(pems.join('\n')).digest('hex').slice(0, 16);
