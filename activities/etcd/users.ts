// EtcdUser activities: read and check the object, its password Secret (made if absent), the user and
// its roles in etcd set to exactly what the spec says, the credentials Secret an application mounts,
// status and Events, and deletion. Passwords are read from Secrets here and never returned.
import { createHash } from 'node:crypto';
import type { V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import type { Etcd3, IPermission } from 'etcd3';
import { API_VERSION, CLIENT_PORT, ETCD_USER, FINALIZER, GROUP, VERSION, clientServiceName } from '../../k8s/api.ts';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { fitUserStatus } from '../../k8s/status-text.ts';
import { EtcdUserSpecSchema, credentialsSecretName, defaultPasswordSecret, permissionRange, type EtcdUserSpec, type EtcdUserStatus } from '../../k8s/user-spec.ts';
import { tlsSecretName } from '../../k8s/tls-names.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { alreadyExists, notFound } from './auth.ts';
import { etcdAccess } from './client.ts';
import { isNotFound, type Kube } from '../../k8s/kube-client.ts';
import { eventAbout, type EventInput } from '../../k8s/events.ts';
import { applyOwned, readOwned, secretRef } from '../kube/owned-objects.ts';
import { PASSWORD_KEY, newPassword, readPassword } from '../secrets/root-secret.ts';
import { readSecretText } from '../secrets/secret-text.ts';
import { notYet } from '../not-yet.ts';

/** Identifies one EtcdUser object. */
export interface UserKey { namespace: string; name: string; uid: string }

export interface EtcdUserObject { apiVersion?: string; kind?: string; metadata: V1ObjectMeta; spec?: unknown; status?: EtcdUserStatus }

/** What the user workflow needs to decide: no secrets, no spec. */
export interface UserSnapshot {
  generation: number;
  deleting: boolean;
  /** Why it cannot be applied (reason + message a user can act on); nothing is applied meanwhile. */
  problem?: { reason: string; message: string };
  cluster?: ClusterKey;
  /** Changes with the spec, the password Secret and the cluster: applied again when it differs from the last applied. */
  fingerprint: string;
}

const api = (namespace: string) => ({ group: GROUP, version: VERSION, namespace, plural: ETCD_USER.plural });
const PERM = { read: 'Read', write: 'Write', readwrite: 'Readwrite' } as const;

async function getUser(kube: Kube, key: UserKey): Promise<EtcdUserObject | undefined> {
  try {
    const obj = await kube.custom.getNamespacedCustomObject({ ...api(key.namespace), name: key.name }) as EtcdUserObject;
    return obj.metadata.uid === key.uid ? obj : undefined;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

const passwordSecretOf = (key: UserKey, spec: EtcdUserSpec) => spec.passwordSecret ?? defaultPasswordSecret(key.name);

/** The roles as etcd permissions, sorted, for comparing with what etcd has. */
const wanted = (perms: EtcdUserSpec['roles'][number]['permissions']) => perms.map((p) => ({ permType: PERM[p.type], ...permissionRange(p) }));
const permId = (p: { permType: string | number; key: Buffer; rangeEnd?: Buffer; range_end?: Buffer }) =>
  `${typeof p.permType === 'number' ? ['Read', 'Write', 'Readwrite'][p.permType] : p.permType}|${p.key.toString('hex')}|${(p.rangeEnd ?? p.range_end ?? Buffer.alloc(0)).toString('hex')}`;

/** Sets a role's permissions to exactly `perms` (adds the role if missing). */
async function applyRole(c: Etcd3, name: string, perms: ReturnType<typeof wanted>): Promise<void> {
  try { await c.auth.roleAdd({ name }); } catch (err) { if (!alreadyExists(err)) throw err; }
  const have = (await c.auth.roleGet({ role: name })).perm ?? [];
  const want = new Map(perms.map((p) => [permId(p), p]));
  for (const p of have) {
    if (!want.has(permId(p))) await c.auth.roleRevokePermission({ role: name, key: p.key, range_end: p.range_end });
  }
  const haveIds = new Set(have.map(permId));
  for (const [id, p] of want) {
    if (!haveIds.has(id)) await c.auth.roleGrantPermission({ name, perm: { permType: p.permType, key: p.key, range_end: p.rangeEnd } as IPermission });
  }
}

export function userActivities({ kube, now = () => new Date(), callTimeoutMs = 5000 }: { kube: Kube; now?: () => Date; callTimeoutMs?: number }) {
  async function load(key: UserKey) {
    const obj = await getUser(kube, key);
    if (!obj) throw ApplicationFailure.nonRetryable(`EtcdUser ${key.namespace}/${key.name} no longer exists`, 'UserGone');
    const parsed = EtcdUserSpecSchema.safeParse(obj.spec ?? {});
    if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid EtcdUser spec: ${parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidSpec');
    const cluster = await kube.getCluster(key.namespace, parsed.data.clusterName);
    if (!cluster?.metadata.uid) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${parsed.data.clusterName} does not exist`, 'ClusterNotFound');
    const v = validateClusterSpec(cluster.spec);
    const clusterKey: ClusterKey = { namespace: key.namespace, name: parsed.data.clusterName, uid: cluster.metadata.uid };
    return { obj, spec: parsed.data, cluster: clusterKey, clusterSpec: v.ok ? v.spec : undefined };
  }
  /** Free text is cut to the CRD's maxLength, so a long failure never makes the write fail. */
  const patchStatus = (key: UserKey, body: { status: object }) =>
    kube.custom.patchNamespacedCustomObjectStatus({ ...api(key.namespace), name: key.name, body: { ...body, status: fitUserStatus(body.status) } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  const ownerRef = (key: UserKey) => ({ apiVersion: API_VERSION, kind: ETCD_USER.kind, name: key.name, uid: key.uid, controller: true, blockOwnerDeletion: true });

  return {
    async readEtcdUser(key: UserKey): Promise<UserSnapshot | undefined> {
      const obj = await getUser(kube, key);
      if (!obj) return undefined;
      const generation = obj.metadata.generation ?? 0;
      const deleting = Boolean(obj.metadata.deletionTimestamp);
      const problem = (reason: string, message: string): UserSnapshot => ({ generation, deleting, problem: { reason, message }, fingerprint: `${generation}|${reason}` });
      const parsed = EtcdUserSpecSchema.safeParse(obj.spec ?? {});
      if (!parsed.success) return problem('InvalidSpec', parsed.error.issues.map((i) => `spec.${i.path.join('.')}: ${i.message}`).join('; '));
      const spec = parsed.data;
      const cluster = await kube.getCluster(key.namespace, spec.clusterName);
      if (!cluster?.metadata.uid) return { ...problem('ClusterNotFound', `EtcdCluster ${key.namespace}/${spec.clusterName} does not exist`), deleting };
      const clusterKey = { namespace: key.namespace, name: spec.clusterName, uid: cluster.metadata.uid };
      // The oldest EtcdUser of a username owns it; a later one is refused rather than fight over the password.
      const list = (await kube.custom.listNamespacedCustomObject(api(key.namespace)) as { items: EtcdUserObject[] }).items;
      const rival = list.filter((u) => u.metadata.uid !== key.uid && !u.metadata.deletionTimestamp)
        .filter((u) => { const s = u.spec as Partial<EtcdUserSpec> | undefined; return s?.clusterName === spec.clusterName && s?.username === spec.username; })
        .find((u) => `${u.metadata.creationTimestamp}|${u.metadata.name}` < `${obj.metadata.creationTimestamp}|${obj.metadata.name}`);
      if (rival && !deleting) return { ...problem('DuplicateUsername', `username ${spec.username} of EtcdCluster ${spec.clusterName} is already managed by EtcdUser ${rival.metadata.name}`), cluster: clusterKey };
      const secret = await kube.core.readNamespacedSecret({ namespace: key.namespace, name: passwordSecretOf(key, spec) }).catch((err) => { if (isNotFound(err)) return undefined; throw err; });
      const fingerprint = createHash('sha256').update(JSON.stringify([generation, secret?.metadata?.resourceVersion ?? '', clusterKey.uid, cluster.spec])).digest('hex').slice(0, 16);
      return { generation, deleting, cluster: clusterKey, fingerprint };
    },

    async ensureUserFinalizer(key: UserKey): Promise<void> {
      const obj = await getUser(kube, key);
      if (!obj || obj.metadata.deletionTimestamp || obj.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.custom.patchNamespacedCustomObject({ ...api(key.namespace), name: key.name, body: { metadata: { finalizers: [...(obj.metadata.finalizers ?? []), FINALIZER], resourceVersion: obj.metadata.resourceVersion } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    },

    async removeUserFinalizer(key: UserKey): Promise<void> {
      const obj = await getUser(kube, key);
      if (!obj?.metadata.finalizers?.includes(FINALIZER)) return;
      await kube.custom.patchNamespacedCustomObject({ ...api(key.namespace), name: key.name, body: { metadata: { finalizers: obj.metadata.finalizers.filter((f) => f !== FINALIZER), resourceVersion: obj.metadata.resourceVersion } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    },

    /**
     * The password Secret: spec.passwordSecret or <name>-password, created with a random password if
     * absent (owned by the EtcdUser only when made here). The derived names (<name>-password without
     * spec.passwordSecret, <name>-credentials) must be absent or the EtcdUser's: a namesake is a NameConflict.
     */
    async ensureUserPassword(key: UserKey): Promise<{ secret: string; created: boolean }> {
      const { spec } = await load(key);
      const name = passwordSecretOf(key, spec);
      const owner = ownerRef(key);
      if (!spec.passwordSecret) await readOwned(kube, secretRef(key.namespace, name), owner, `or, to make its key "${PASSWORD_KEY}" the user's password, name it in spec.passwordSecret`);
      await readOwned(kube, secretRef(key.namespace, credentialsSecretName(key.name)), owner);
      const body: V1Secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: key.namespace, ownerReferences: [ownerRef(key)] }, type: 'Opaque', stringData: { [PASSWORD_KEY]: newPassword() } };
      let created = true;
      try {
        await kube.core.createNamespacedSecret({ namespace: key.namespace, body });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        created = false;
      }
      await readPassword(kube, key.namespace, name, 'spec.passwordSecret'); // a Secret without the key fails here, naming it
      return { secret: name, created };
    },

    /** In etcd: each role with exactly its permissions, the user with the Secret's password, granted exactly these roles. */
    async applyUserInEtcd(key: UserKey): Promise<{ roles: string[]; authOn: boolean }> {
      const { spec, cluster } = await load(key);
      const password = await readPassword(kube, key.namespace, passwordSecretOf(key, spec), 'spec.passwordSecret');
      if (!password) throw notYet('the password Secret does not exist yet');
      const etcd = await etcdAccess(kube, cluster);
      const eps = [...etcd.endpoints.values()];
      if (!eps.length) throw notYet(`EtcdCluster ${cluster.name} has no member to reach`);
      await etcd.with(eps, async (c) => {
        for (const role of spec.roles) await applyRole(c, role.name, wanted(role.permissions));
        try {
          await c.auth.userAdd({ name: spec.username, password });
        } catch (err) {
          if (!alreadyExists(err)) throw err;
          await c.auth.userChangePassword({ name: spec.username, password });
        }
        const have = (await c.auth.userGet({ name: spec.username })).roles ?? [];
        const want = spec.roles.map((r) => r.name);
        for (const r of have) if (!want.includes(r)) await c.auth.userRevokeRole({ name: spec.username, role: r });
        for (const r of want) if (!have.includes(r)) await c.auth.userGrantRole({ user: spec.username, role: r });
      }, callTimeoutMs);
      return { roles: spec.roles.map((r) => r.name), authOn: etcd.authOn === true };
    },

    /** The Secret an application mounts: endpoints, username, password, and ca.crt when the cluster has TLS. */
    async writeUserCredentials(key: UserKey): Promise<string> {
      const { spec, cluster, clusterSpec } = await load(key);
      const password = await readPassword(kube, key.namespace, passwordSecretOf(key, spec), 'spec.passwordSecret');
      if (!password) throw notYet('the password Secret does not exist yet');
      const tls = clusterSpec?.tls;
      const ca = tls ? (await readSecretText(kube, key.namespace, tlsSecretName(cluster.name, tls, 'server')))?.['ca.crt'] : undefined;
      const name = credentialsSecretName(key.name);
      const data: Record<string, string> = {
        endpoints: `${tls ? 'https' : 'http'}://${clientServiceName(cluster.name)}.${key.namespace}.svc:${CLIENT_PORT}`,
        username: spec.username,
        password,
        ...(ca && { 'ca.crt': ca }),
      };
      await applyOwned(kube, {
        apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
        metadata: { name, namespace: key.namespace, ownerReferences: [ownerRef(key)] },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      } as V1Secret, key.uid);
      return name;
    },

    /** Deletes the user from etcd, and each of its roles no other EtcdUser of the cluster names. A cluster that is gone has nothing to delete. */
    async deleteUserFromEtcd(key: UserKey): Promise<{ user: string; roles: string[] }> {
      const obj = await getUser(kube, key);
      const parsed = EtcdUserSpecSchema.safeParse(obj?.spec ?? {});
      if (!obj || !parsed.success) return { user: '', roles: [] };
      const spec = parsed.data;
      const cluster = await kube.getCluster(key.namespace, spec.clusterName);
      if (!cluster?.metadata.uid) return { user: '', roles: [] };
      const others = (await kube.custom.listNamespacedCustomObject(api(key.namespace)) as { items: EtcdUserObject[] }).items
        .filter((u) => u.metadata.uid !== key.uid && (u.spec as Partial<EtcdUserSpec> | undefined)?.clusterName === spec.clusterName);
      const shared = new Set(others.flatMap((u) => ((u.spec as Partial<EtcdUserSpec>).roles ?? []).map((r) => r.name)));
      const sameUser = others.some((u) => (u.spec as Partial<EtcdUserSpec>).username === spec.username);
      const etcd = await etcdAccess(kube, { namespace: key.namespace, name: spec.clusterName, uid: cluster.metadata.uid });
      const eps = [...etcd.endpoints.values()];
      if (!eps.length) throw notYet(`EtcdCluster ${spec.clusterName} has no member to reach`);
      const roles = spec.roles.map((r) => r.name).filter((r) => !shared.has(r));
      await etcd.with(eps, async (c) => {
        if (!sameUser) { try { await c.auth.userDelete({ name: spec.username }); } catch (err) { if (!notFound(err)) throw err; } }
        for (const r of roles) { try { await c.auth.roleDelete({ role: r }); } catch (err) { if (!notFound(err)) throw err; } }
      }, callTimeoutMs);
      return { user: sameUser ? '' : spec.username, roles };
    },

    async reportUser(key: UserKey, r: { ready: boolean; reason: string; message: string; generation: number; credentialsSecret?: string; workflowId: string }): Promise<void> {
      const obj = await getUser(kube, key);
      if (!obj || obj.metadata.deletionTimestamp) return;
      const old = obj.status?.conditions?.find((c) => c.type === 'Ready');
      const status = r.ready ? 'True' : 'False';
      const t = now().toISOString().replace(/\.\d{3}Z$/, 'Z');
      await patchStatus(key, {
        status: {
          conditions: [{ type: 'Ready', status, reason: r.reason, message: r.message, observedGeneration: r.generation, lastTransitionTime: old?.status === status ? old.lastTransitionTime : t }],
          observedGeneration: r.generation,
          workflowId: r.workflowId,
          ...(r.credentialsSecret && { credentialsSecret: r.credentialsSecret }),
        },
      });
    },

    async recordUserEvent(key: UserKey, e: EventInput): Promise<void> {
      await kube.createEvent(eventAbout({ apiVersion: API_VERSION, kind: ETCD_USER.kind, name: key.name, namespace: key.namespace, uid: key.uid }, e, now()));
    },
  };
}
