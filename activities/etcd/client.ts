// Reaching a cluster's etcd members: by pod IP (works from inside the cluster and from the node's
// host), only pods of this cluster's uid, and every call with a deadline so a dead member fails fast.
import type { V1Pod } from '@kubernetes/client-node';
import { handleType, handleWhen, retry, wrap } from 'cockatiel';
import { Etcd3, GRPCDeadlineExceededError, isRecoverableError } from 'etcd3';
import { CLIENT_PORT, LABELS, clientServiceHost } from '../../k8s/api.ts';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import type { EtcdCluster } from '../../k8s/etcd-cluster.ts';
import type { ClusterRef } from '../../k8s/manifests/owner.ts';
import { belongsTo, selectorString } from '../../k8s/manifests/owner.ts';
import { nameFromPeerURL } from '../../domain/members.ts';
import type { ClusterKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { usableTlsSecret } from '../secrets/tls-secrets.ts';
import { ROOT, appliedRootSecretName, readPassword, rootSecretName } from '../secrets/root-secret.ts';

/** How to reach one cluster's members: TLS (CA, the operator's client certificate, the name to verify) and login. */
export interface EtcdCredentials {
  tls?: { ca: Buffer; cert: Buffer; key: Buffer; servername: string };
  auth?: { username: string; password: string };
}

/**
 * HTTP/2 flow-control window of a client that streams a snapshot. grpc-js's default (64 KiB) makes
 * etcd wait for a window update every two 32 KiB chunks: a 320 MiB snapshot took 1.5-2.0 s, 1.0-1.1 s
 * with 4 MiB (etcdctl: 1.6 s). At most this much is buffered per stream.
 */
export const SNAPSHOT_FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

/**
 * etcd3 retries a failed call 3 times by default, each time with a fresh deadline: a call to a dead
 * or quorumless member took 3x its deadline (a 2.5 s member list 7.5 s, so observing a cluster that
 * lost quorum took 6-7 s). A call that ran out of time is tried once on each host instead (a
 * failover, never the same member again: the activity's own retry policy retries); a quick failure
 * (unavailable: a connection reset, a leader change) is still retried twice, on the next host.
 */
function onceEachHost(hosts: string | string[]) {
  const n = typeof hosts === 'string' ? 1 : hosts.length;
  const quick = retry(handleWhen((e) => isRecoverableError(e) && !(e instanceof GRPCDeadlineExceededError)), { maxAttempts: 2 });
  return n > 1 ? wrap(retry(handleType(GRPCDeadlineExceededError), { maxAttempts: n - 1 }), quick) : quick;
}

export const etcdClient = (hosts: string | string[], callTimeoutMs = 5000, creds: EtcdCredentials = {}, stream = false): Etcd3 =>
  loginThroughOurChannel(new Etcd3({
    hosts,
    faultHandling: { global: onceEachHost(hosts) },
    dialTimeout: Math.min(2000, callTimeoutMs),
    // No deadline on a stream (a snapshot lasts as long as the database takes; heartbeats catch a stall).
    defaultCallOptions: (ctx) => (stream && ctx.isStream ? {} : { deadline: new Date(Date.now() + callTimeoutMs) }),
    grpcOptions: {
      ...(stream && { 'grpc-node.flow_control_window': SNAPSHOT_FLOW_CONTROL_WINDOW }),
      // Pod IPs are dialled; the certificate is checked against the name every server certificate carries.
      ...(creds.tls && { 'grpc.ssl_target_name_override': creds.tls.servername, 'grpc.default_authority': creds.tls.servername }),
    },
    ...(creds.tls && {
      credentials: { rootCertificate: creds.tls.ca, certChain: creds.tls.cert, privateKey: creds.tls.key },
    }),
    ...(creds.auth && { auth: { ...creds.auth, callOptions: () => ({ deadline: new Date(Date.now() + callTimeoutMs) }) } }),
  }), hosts, callTimeoutMs, creds);

type Authenticator = { getCredentialsFromHost: (address: string, name: string, password: string) => Promise<string> };

/**
 * etcd3 logs in over a channel of its own made without the client's channel options, so with TLS
 * it checks the member's certificate against the pod IP it dials instead of the name the operator
 * verifies, and every login fails. The login goes through a client of ours instead (same hosts,
 * TLS and name). Pinned to etcd3 1.1.x internals; test/integration/etcd-tls-auth.test.ts fails if they move.
 */
function loginThroughOurChannel(client: Etcd3, hosts: string | string[], callTimeoutMs: number, creds: EtcdCredentials): Etcd3 {
  if (!creds.auth || !creds.tls) return client;
  const authenticator = (client as unknown as { pool: { authenticator?: Authenticator } }).pool.authenticator;
  if (!authenticator) throw new Error('etcd3 internals changed: no pool.authenticator to log in through');
  authenticator.getCredentialsFromHost = async (_address, name, password) => {
    const plain = etcdClient(hosts, callTimeoutMs, { tls: creds.tls });
    try {
      return (await plain.auth.authenticate({ name, password })).token;
    } finally {
      plain.close();
    }
  };
  return client;
}

/** The cluster's member pods (this uid only: a namesake's pods are another cluster). */
export async function clusterPods(kube: Kube, key: ClusterKey): Promise<V1Pod[]> {
  return (await kube.listPods(key.namespace, selectorString(key.name))).filter((p) => belongsTo(p.metadata, key.uid));
}

/** Member name -> client endpoint of each running (not terminating) pod. */
export function endpointsOf(pods: readonly V1Pod[], tls = false): Map<string, string> {
  const m = new Map<string, string>();
  for (const p of pods) {
    if (p.status?.podIP && !p.metadata?.deletionTimestamp) m.set(p.metadata!.name!, `${tls ? 'https' : 'http'}://${p.status.podIP}:${CLIENT_PORT}`);
  }
  return m;
}

/** The pod's Ready condition is True (for a member: etcd answers /health, see the readiness probe). */
export const podReady = (p: V1Pod): boolean => Boolean(p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

/**
 * The endpoints of serving voters (pod Ready, not a learner), or every endpoint when none is (quorum
 * lost, or readiness not probed yet). A member whose etcd has not started serving (a learner still
 * joining, a member starting) accepts the connection and answers nothing, so a call that picks it
 * waits out its whole deadline. A learner that serves refuses all but Status and serializable reads
 * ("rpc not supported for learner"): a member list, an add, a promotion or a linearizable read that
 * picked it (the client picks a host at random) failed and waited for the next look.
 */
export function servingEndpoints(pods: readonly V1Pod[], endpoints: Map<string, string>): string[] {
  const serving = pods.filter((p) => podReady(p) && !p.metadata?.labels?.[LABELS.learner])
    .map((p) => endpoints.get(p.metadata!.name!)).filter((e): e is string => Boolean(e));
  return serving.length ? serving : [...endpoints.values()];
}

/** One cluster's members as an activity reaches them: its pods, their endpoints, and clients with the cluster's credentials. */
export interface EtcdAccess {
  /** The EtcdCluster (undefined when gone or replaced by a namesake). */
  cluster?: EtcdCluster;
  pods: V1Pod[];
  endpoints: Map<string, string>;
  /** TLS, and root's login when spec.auth.enabled. */
  creds: EtcdCredentials;
  /** Root's login (the password etcd has, else the root Secret's) whenever one is known (to turn auth off, or to look whether it is on). */
  root?: EtcdCredentials['auth'];
  /** Auth is on and the root Secret holds another password than the one etcd has (or it was never recorded): root's password is to be changed. */
  rootPasswordChanged: boolean;
  /** Whether etcd has auth on (asked without a login when the root Secret exists); undefined when nobody answered. */
  authOn?: boolean;
  /** Runs `fn` with a client of these hosts and closes it; logged in as root unless etcd has auth off. */
  with<T>(hosts: string | string[], fn: (c: Etcd3) => Promise<T>, callTimeoutMs?: number): Promise<T>;
  /** The same, logged in as root whenever the root Secret exists (whatever spec.auth says). */
  withRoot<T>(hosts: string | string[], fn: (c: Etcd3) => Promise<T>, callTimeoutMs?: number): Promise<T>;
  client(hosts: string | string[], callTimeoutMs?: number, stream?: boolean): Etcd3;
}

/** etcd answers a login with this while auth is off: the same call then goes without one. */
export const authNotEnabled = (err: unknown): boolean => /authentication is not enabled/i.test(String((err as Error)?.message));

/** With a login: when etcd has auth off (being turned on, or off), the call is made again without it (nothing ran: the login comes first). */
async function withLogin<T>(hosts: string | string[], fn: (c: Etcd3) => Promise<T>, callTimeoutMs: number | undefined, creds: EtcdCredentials): Promise<T> {
  try {
    return await withEtcd(hosts, fn, callTimeoutMs, creds);
  } catch (err) {
    if (!creds.auth || !authNotEnabled(err)) throw err;
    return withEtcd(hosts, fn, callTimeoutMs, { ...creds, auth: undefined });
  }
}

/** The TLS credentials of a cluster's spec: the operator-client certificate (read here, never passed on). */
export async function credentialsFor(kube: Kube, ref: Pick<ClusterRef, 'name' | 'namespace' | 'spec'>): Promise<EtcdCredentials> {
  const { tls } = ref.spec;
  if (!tls) return {};
  const files = await usableTlsSecret(kube, ref, tls, 'operatorClient');
  return { tls: { ca: Buffer.from(files['ca.crt']), cert: Buffer.from(files['tls.crt']), key: Buffer.from(files['tls.key']), servername: clientServiceHost(ref.name, ref.namespace) } };
}

/** Reads the cluster (TLS, auth), its pods and the operator's credentials. A cluster that is gone has none: plain. */
export async function etcdAccess(kube: Kube, key: ClusterKey): Promise<EtcdAccess> {
  const [found, pods] = await Promise.all([kube.getCluster(key.namespace, key.name), clusterPods(kube, key)]);
  const cluster = found?.metadata.uid === key.uid ? found : undefined;
  const v = cluster ? validateClusterSpec(cluster.spec) : undefined;
  const spec = v?.ok ? v.spec : undefined;
  const tlsCreds = spec ? await credentialsFor(kube, { name: key.name, namespace: key.namespace, spec }) : {};
  // The root Secret's password (null: the Secret is gone; undefined: unreadable now) and the one etcd has.
  const wanted = spec ? await readPassword(kube, key.namespace, rootSecretName(key.name, spec.auth), 'spec.auth.rootSecret').then((v) => v ?? null, () => undefined) : undefined;
  const applied = spec && (spec.auth.enabled || wanted !== null) ? await readPassword(kube, key.namespace, appliedRootSecretName(key.name), 'root password').catch(() => undefined) : undefined;
  const password = applied ?? wanted ?? undefined;
  const root = password ? { username: ROOT, password } : undefined;
  const endpoints = endpointsOf(pods, Boolean(tlsCreds.tls));
  // Log in only where etcd has auth on: a login to a cluster with auth off is refused, and with
  // several hosts the client reports that as "unavailable". Unknown (nobody answers): as the spec says.
  const authOn = root ? await authStatus(servingEndpoints(pods, endpoints), tlsCreds) : false;
  const login = authOn ?? spec?.auth.enabled;
  const creds: EtcdCredentials = { ...tlsCreds, ...(login && root && { auth: root }) };
  return {
    cluster,
    pods,
    endpoints,
    creds,
    root,
    authOn,
    rootPasswordChanged: authOn === true && wanted !== undefined && wanted !== applied,
    with: (hosts, fn, callTimeoutMs) => withLogin(hosts, fn, callTimeoutMs, creds),
    withRoot: (hosts, fn, callTimeoutMs) => withLogin(hosts, fn, callTimeoutMs, { ...tlsCreds, ...(authOn !== false && root && { auth: root }) }),
    client: (hosts, callTimeoutMs, stream) => etcdClient(hosts, callTimeoutMs, creds, stream),
  };
}

/**
 * Whether etcd has auth on, asked without a login: answered while off; refused while on ("user name
 * is empty", or with client-certificate auth "user name not found": etcd takes the certificate's CN
 * as the user). Undefined when nobody answers.
 */
export async function authStatus(hosts: string[], tls: EtcdCredentials, callTimeoutMs = 2500): Promise<boolean | undefined> {
  if (!hosts.length) return undefined;
  try {
    return Boolean((await withEtcd(hosts, (c) => c.auth.authStatus(), callTimeoutMs, { tls: tls.tls })).enabled);
  } catch (err) {
    return /user name is empty|user name not found|permission denied|invalid auth token/i.test(String((err as Error).message)) ? true : undefined;
  }
}

/** etcd member IDs are uint64 strings on the wire; status and workflows use hex. */
export const hexId = (id: string): string => BigInt(id).toString(16);

/** A member as etcd's member list returns it. */
export type WireMember = { ID: string; name: string; peerURLs: string[]; clientURLs: string[]; isLearner: boolean };
/** Its name; an added member that has not started yet has none, so it comes from the peer URL. */
export const wireMemberName = (m: WireMember): string => m.name || nameFromPeerURL(m.peerURLs[0] ?? '');

/** Runs `fn` with a client of these hosts and closes it. */
export async function withEtcd<T>(hosts: string | string[], fn: (c: Etcd3) => Promise<T>, callTimeoutMs?: number, creds: EtcdCredentials = {}): Promise<T> {
  const c = etcdClient(hosts, callTimeoutMs, creds);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
