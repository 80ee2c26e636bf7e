// Reading a cluster's certificate Secrets (mode auto's or the user's) and checking that each can do
// its job; the fingerprint of the ones members use. Keys are read here and never returned upward
// except to build a TLS connection inside an activity.
import { ApplicationFailure } from '@temporalio/activity';
import { clientServiceHost, memberName } from '../../k8s/api.ts';
import type { ClusterRef } from '../../k8s/manifests/owner.ts';
import type { TlsSpec } from '../../k8s/security-spec.ts';
import { tlsSecretName, type TlsRole } from '../../k8s/tls-names.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { readSecretText } from './secret-text.ts';
import { certFingerprint, tlsFilesProblem, type TlsFiles } from './x509.ts';

export async function readTlsSecret(kube: Kube, namespace: string, name: string): Promise<TlsFiles | undefined> {
  const data = await readSecretText(kube, namespace, name);
  return data && { 'tls.crt': data['tls.crt'], 'tls.key': data['tls.key'], 'ca.crt': data['ca.crt'] };
}

const FIELD: Record<TlsRole, string> = { peer: 'spec.tls.peerSecret', server: 'spec.tls.serverSecret', operatorClient: 'spec.tls.operatorClientSecret' };

/** What each role's certificate must be good for. */
export function checkFor(cluster: string, namespace: string, role: TlsRole, now: Date) {
  if (role === 'peer') return { host: `${memberName(cluster, 0)}.${cluster}.${namespace}.svc`, usage: 'both' as const, now };
  if (role === 'server') return { host: clientServiceHost(cluster, namespace), usage: 'server' as const, now };
  return { usage: 'client' as const, now };
}

/** A role's Secret, checked; a missing or unusable one is a permanent failure naming the field and the problem. */
export async function usableTlsSecret(kube: Kube, ref: Pick<ClusterRef, 'name' | 'namespace'>, tls: TlsSpec, role: TlsRole, now = new Date()): Promise<Required<TlsFiles>> {
  const name = tlsSecretName(ref.name, tls, role);
  const files = await readTlsSecret(kube, ref.namespace, name);
  const where = tls.mode === 'secrets' ? `${FIELD[role]}: Secret ${ref.namespace}/${name}` : `Secret ${ref.namespace}/${name}`;
  if (!files) throw ApplicationFailure.nonRetryable(`${where} not found`, 'TLSSecretInvalid');
  const problem = tlsFilesProblem(files, checkFor(ref.name, ref.namespace, role, now));
  if (problem) throw ApplicationFailure.nonRetryable(`${where} ${problem}`, 'TLSSecretInvalid');
  return files as Required<TlsFiles>;
}

/** The fingerprint of the peer and server certificates members use (the pod template carries it). */
export async function tlsFingerprint(kube: Kube, ref: Pick<ClusterRef, 'name' | 'namespace'>, tls: TlsSpec): Promise<string> {
  const peer = await usableTlsSecret(kube, ref, tls, 'peer');
  const server = await usableTlsSecret(kube, ref, tls, 'server');
  return certFingerprint(peer['tls.crt'], peer['ca.crt'], server['tls.crt'], server['ca.crt']);
}
