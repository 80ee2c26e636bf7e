// What a cluster's TLS looks like, as pure functions of its name: which Secrets hold the peer,
// server and operator-client certificates, the names each certificate must cover, and where
// members mount them.
import { clientServiceName, headlessServiceName } from './api.ts';
import type { TlsSpec } from './security-spec.ts';

export type TlsRole = 'peer' | 'server' | 'operatorClient';
export const TLS_ROLES: readonly TlsRole[] = ['peer', 'server', 'operatorClient'];

/** The Secrets mode auto issues (owned by the cluster), in the fields a secrets-mode spec names. */
export const autoSecretNames = (cluster: string) => ({
  ca: `${cluster}-ca`,
  peer: `${cluster}-peer-tls`,
  server: `${cluster}-server-tls`,
  operatorClient: `${cluster}-operator-client-tls`,
});

/** The Secret a role's certificate comes from. */
export function tlsSecretName(cluster: string, tls: TlsSpec, role: TlsRole): string {
  if (tls.mode === 'auto') return autoSecretNames(cluster)[role];
  const name = { peer: tls.peerSecret, server: tls.serverSecret, operatorClient: tls.operatorClientSecret }[role];
  if (!name) throw new Error(`spec.tls.${role}Secret is required when spec.tls.mode is secrets`);
  return name;
}

/** Every member's DNS names (the headless Service), short and fully qualified. */
const memberWildcards = (cluster: string, namespace: string) => [
  `*.${headlessServiceName(cluster)}.${namespace}.svc`,
  `*.${headlessServiceName(cluster)}.${namespace}.svc.cluster.local`,
];

/** SANs of the peer certificate: members dial each other by their headless-Service names. */
export const peerDnsNames = (cluster: string, namespace: string): string[] => memberWildcards(cluster, namespace);

/**
 * SANs of the server certificate: each member's name, the client Service in every form a client
 * in the cluster may use, and localhost (a client in the member's pod). The operator dials pod IPs
 * and verifies `<cluster>-client.<namespace>.svc`, so that name must be there in secrets mode too.
 */
export const serverDnsNames = (cluster: string, namespace: string): string[] => {
  const svc = clientServiceName(cluster);
  return [...memberWildcards(cluster, namespace), svc, `${svc}.${namespace}`, `${svc}.${namespace}.svc`, `${svc}.${namespace}.svc.cluster.local`, 'localhost'];
};
export const SERVER_IPS = ['127.0.0.1'];

export const TLS_MOUNT = '/etc/etcd/tls';
export const tlsMountPath = (role: 'peer' | 'server'): string => `${TLS_MOUNT}/${role}`;
