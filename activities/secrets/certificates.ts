// A cluster's certificates in Kubernetes Secrets. Mode auto: the operator's CA and the peer, server
// and operator-client certificates, issued when missing and renewed when a third of their lifetime
// is left (a renewed one changes the pod template, so members roll onto it one at a time).
// Mode secrets: the user's Secrets, checked before any member uses them. Keys never leave here.
import type { V1Secret } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import { ownedMeta, ownerReference, type ClusterRef } from '../../k8s/manifests/owner.ts';
import { durationMs, type TlsSpec } from '../../k8s/security-spec.ts';
import { autoSecretNames, peerDnsNames, SERVER_IPS, serverDnsNames, TLS_ROLES, type TlsRole } from '../../k8s/tls-names.ts';
import type { ClusterKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from '../kube/cluster.ts';
import { NAME_CONFLICT, applyOwned, readOwned, secretRef } from '../kube/owned-objects.ts';
import { checkFor, readTlsSecret, usableTlsSecret } from './tls-secrets.ts';
import { issueCA, issueLeaf, lifetimeLeft, lifetimeMs, tlsFilesProblem, type Pem, type TlsFiles } from './x509.ts';

const CA_VALIDITY_MS = 10 * 365 * 86_400_000;
/** Renew when this share of the lifetime is left. */
export const RENEW_AT = 1 / 3;

/** What each auto certificate is for. */
function request(ref: Pick<ClusterRef, 'name' | 'namespace'>, role: TlsRole): { commonName: string; dnsNames: string[]; ips?: string[]; usages: ('server' | 'client')[] } {
  if (role === 'peer') return { commonName: `${ref.name} peer`, dnsNames: peerDnsNames(ref.name, ref.namespace), usages: ['server', 'client'] };
  // Client usage too: etcd's own gRPC gateway dials the member with the server certificate.
  if (role === 'server') return { commonName: `${ref.name} server`, dnsNames: serverDnsNames(ref.name, ref.namespace), ips: SERVER_IPS, usages: ['server', 'client'] };
  return { commonName: 'etcd-operator', dnsNames: [], usages: ['client'] };
}

/** Why an auto certificate must be issued again (missing, another CA, wrong names, a third of its life left, another validity), or undefined. */
export function renewalReason(files: TlsFiles | undefined, caCert: string | undefined, ref: Pick<ClusterRef, 'name' | 'namespace'>, role: TlsRole, tls: TlsSpec, now: Date): string | undefined {
  if (!files?.['tls.crt']) return 'missing';
  if (!caCert || !files['ca.crt']?.includes(caCert.trim())) return 'signed by another CA';
  const problem = tlsFilesProblem(files, checkFor(ref.name, ref.namespace, role, now));
  if (problem) return problem;
  if (lifetimeLeft(files['tls.crt'], now) <= RENEW_AT) return 'a third of its lifetime left';
  if (Math.abs(lifetimeMs(files['tls.crt']) - durationMs(tls.autoCertificateValidity)) >= 60_000) return 'spec.tls.autoCertificateValidity changed';
  return undefined;
}

/** Mode auto: each Secret of the cluster's certificates is absent or ours; a namesake is a NameConflict (no key of it is used). */
async function checkAutoSecretsOwned(kube: Kube, ref: Pick<ClusterRef, 'name' | 'namespace' | 'uid'>): Promise<void> {
  for (const name of Object.values(autoSecretNames(ref.name))) await readOwned(kube, secretRef(ref.namespace, name), ownerReference(ref));
}

/**
 * Mode auto: whether any certificate needs issuing now (the reconcile loop asks, cheaply, on every
 * pass). A namesake Secret someone else made counts as due: ensureCertificates then reports it.
 */
export async function autoCertificatesDue(kube: Kube, ref: Pick<ClusterRef, 'name' | 'namespace' | 'uid'>, tls: TlsSpec, now: Date): Promise<boolean> {
  if (tls.mode !== 'auto') return false;
  try {
    await checkAutoSecretsOwned(kube, ref);
  } catch (err) {
    if ((err as ApplicationFailure).type === NAME_CONFLICT) return true;
    throw err;
  }
  const names = autoSecretNames(ref.name);
  const ca = await readTlsSecret(kube, ref.namespace, names.ca);
  for (const role of TLS_ROLES) {
    if (renewalReason(await readTlsSecret(kube, ref.namespace, names[role]), ca?.['tls.crt'], ref, role, tls, now)) return true;
  }
  return false;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function tlsSecret(ref: ClusterRef, name: string, pem: Pem, caBundle: string): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', metadata: ownedMeta(ref, name), type: 'kubernetes.io/tls', data: { 'tls.crt': b64(pem.cert), 'tls.key': b64(pem.key), 'ca.crt': b64(caBundle) } };
}

export function certificateActivities({ kube, now = () => new Date() }: { kube: Kube; now?: () => Date }) {
  /** Mode auto: the CA, issued once. A lost CA is issued again only if no member certificate it signed is left. */
  async function ensureCA(ref: ClusterRef, t: Date): Promise<{ ca: Pem; issued: boolean }> {
    const names = autoSecretNames(ref.name);
    const existing = await readTlsSecret(kube, ref.namespace, names.ca);
    if (existing?.['tls.crt'] && existing['tls.key'] && lifetimeLeft(existing['tls.crt'], t) > 0) return { ca: { cert: existing['tls.crt'], key: existing['tls.key'] }, issued: false };
    for (const role of ['peer', 'server'] as const) {
      if (await readTlsSecret(kube, ref.namespace, names[role])) {
        throw ApplicationFailure.nonRetryable(`Secret ${ref.namespace}/${names.ca} (the cluster's CA) is missing or expired while ${names[role]} still holds a certificate it signed: restore it (a new CA cannot be rolled out member by member)`, 'TLSSecretInvalid');
      }
    }
    const ca = await issueCA(`${ref.namespace}/${ref.name} etcd CA`, t, CA_VALIDITY_MS);
    await applyOwned(kube, tlsSecret(ref, names.ca, ca, ca.cert), ref.uid);
    return { ca, issued: true };
  }

  return {
    /**
     * Mode auto: issues every certificate that renewalReason() names, signed by the cluster's CA.
     * Mode secrets: checks the user's Secrets (a problem is a non-retryable TLSSecretInvalid naming
     * the field). Returns the Secrets written, with why.
     */
    async ensureCertificates(key: ClusterKey): Promise<{ issued: string[] }> {
      const c = await loadCluster(kube, key, { withTls: false });
      const tls = c?.spec.tls;
      if (!c || !tls) return { issued: [] };
      const t = now();
      if (tls.mode === 'secrets') {
        for (const role of TLS_ROLES) await usableTlsSecret(kube, c.ref, tls, role, t);
        return { issued: [] };
      }
      const names = autoSecretNames(key.name);
      // Before any key is read or written: a namesake Secret of someone else's is never used nor replaced.
      await checkAutoSecretsOwned(kube, c.ref);
      const issued: string[] = [];
      const { ca, issued: newCA } = await ensureCA(c.ref, t);
      if (newCA) issued.push(`${names.ca} (new CA)`);
      for (const role of TLS_ROLES) {
        const why = renewalReason(await readTlsSecret(kube, key.namespace, names[role]), ca.cert, c.ref, role, tls, t);
        if (!why) continue;
        // A minute back-dated: a member whose clock is a little behind still accepts it.
        const leaf = await issueLeaf(ca, { ...request(c.ref, role), notBefore: new Date(t.getTime() - 60_000), validityMs: durationMs(tls.autoCertificateValidity) });
        await applyOwned(kube, tlsSecret(c.ref, names[role], leaf, ca.cert), c.ref.uid);
        issued.push(`${names[role]} (${why})`);
      }
      return { issued };
    },
  };
}
