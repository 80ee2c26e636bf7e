// etcd authentication of a cluster: the root password Secret (made if absent), and turning auth on
// (root role + root user with the Secret's password, then AuthEnable) or off. Each step looks
// before it acts, so a retry or a run after a crash finds what the first one did.
import { ApplicationFailure } from '@temporalio/activity';
import type { ClusterKey } from '../../domain/types.ts';
import { authStatus, etcdAccess, withEtcd, type EtcdAccess, type EtcdCredentials } from './client.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { loadCluster } from '../kube/cluster.ts';
import { ROOT, appliedRootSecretName, checkRootSecretsOwned, ensurePasswordSecret, readPassword, recordAppliedRootPassword, rootSecretName } from '../secrets/root-secret.ts';
import { notYet } from '../not-yet.ts';

/** etcd's "already exists" answers, which an idempotent step takes as done. */
export const alreadyExists = (err: unknown): boolean => /already exists/i.test((err as Error).message);
export const notFound = (err: unknown): boolean => /not found/i.test((err as Error).message);

/** Whether etcd has auth on: true, false, or undefined when nobody answers. */
export async function authEnabledOf(etcd: EtcdAccess, hosts: string[], callTimeoutMs?: number): Promise<boolean | undefined> {
  return etcd.authOn ?? authStatus(hosts, etcd.creds, callTimeoutMs);
}

/** etcd's answer to a login with a wrong password. */
export const wrongPassword = (err: unknown): boolean => /authentication failed|invalid user ID or password/i.test(String((err as Error)?.message));

/** Whether root logs in with `password` (auth on); other failures (nobody answers) are thrown. */
async function rootLogsIn(hosts: string[], tls: EtcdCredentials, password: string, callTimeoutMs?: number): Promise<boolean> {
  try {
    await withEtcd(hosts, (x) => x.auth.authStatus(), callTimeoutMs, { tls: tls.tls, auth: { username: ROOT, password } });
    return true;
  } catch (err) {
    if (wrongPassword(err)) return false;
    throw err;
  }
}

/** The same; nobody answering is a failure to retry. */
async function authStatusOf(etcd: EtcdAccess, hosts: string[], callTimeoutMs?: number): Promise<boolean> {
  const on = await authEnabledOf(etcd, hosts, callTimeoutMs);
  if (on === undefined) throw notYet('cannot tell whether authentication is on: etcd does not answer');
  return on;
}

export function authActivities({ kube, callTimeoutMs = 5000 }: { kube: Kube; callTimeoutMs?: number }) {
  async function cluster(key: ClusterKey) {
    const c = await loadCluster(kube, key);
    if (!c) throw ApplicationFailure.nonRetryable(`EtcdCluster ${key.namespace}/${key.name} no longer exists`, 'ClusterGone');
    return c;
  }
  async function reach(key: ClusterKey) {
    const etcd = await etcdAccess(kube, key);
    const eps = [...etcd.endpoints.values()];
    if (!eps.length) throw notYet('no member pod has an address');
    return { etcd, eps };
  }

  return {
    /** The root password Secret: spec.auth.rootSecret or <cluster>-root, created with a random password if absent. */
    async ensureRootSecret(key: ClusterKey): Promise<{ secret: string; created: boolean }> {
      const c = await cluster(key);
      const name = rootSecretName(key.name, c.spec.auth);
      await checkRootSecretsOwned(kube, c.ref, c.spec.auth);
      const did = await ensurePasswordSecret(kube, c.ref, name);
      await readPassword(kube, key.namespace, name, 'spec.auth.rootSecret'); // a user's Secret without the key fails here
      return { secret: name, created: did === 'created' };
    },

    /**
     * Root role and user (password from the Secret), then auth on. On already: root's password made
     * the Secret's (logging in with the one recorded as etcd's) -> 'rotated', or nothing to do. The
     * password etcd has is recorded after each change, so a retry logs in with the right one.
     */
    async enableAuth(key: ClusterKey): Promise<'enabled' | 'already' | 'rotated'> {
      const c = await cluster(key);
      const name = rootSecretName(key.name, c.spec.auth);
      await checkRootSecretsOwned(kube, c.ref, c.spec.auth); // before etcd changes: its password is recorded after
      const password = await readPassword(kube, key.namespace, name, 'spec.auth.rootSecret');
      if (!password) throw notYet(`Secret ${key.namespace}/${name} does not exist yet`);
      const { etcd, eps } = await reach(key);
      const on = await authStatusOf(etcd, eps, callTimeoutMs);
      const applied = await readPassword(kube, key.namespace, appliedRootSecretName(key.name), 'root password');
      if (on) {
        if (await rootLogsIn(eps, etcd.creds, password, callTimeoutMs)) {
          if (applied !== password) await recordAppliedRootPassword(kube, c.ref, password);
          return 'already';
        }
        if (applied === undefined || applied === password) {
          throw ApplicationFailure.nonRetryable(`root cannot log in with the password in Secret ${key.namespace}/${name}, and the one etcd has is not known to the operator: put etcd's root password back into that Secret (a change made there afterwards is applied)`, 'RootPasswordUnknown');
        }
        await withEtcd(eps, (x) => x.auth.userChangePassword({ name: ROOT, password }), callTimeoutMs, { tls: etcd.creds.tls, auth: { username: ROOT, password: applied } });
        await recordAppliedRootPassword(kube, c.ref, password);
        return 'rotated';
      }
      // Auth is off: a plain client may manage users and roles.
      const did = await withEtcd(eps, async (x) => {
        try { await x.auth.roleAdd({ name: ROOT }); } catch (err) { if (!alreadyExists(err)) throw err; }
        try {
          await x.auth.userAdd({ name: ROOT, password });
        } catch (err) {
          if (!alreadyExists(err)) throw err;
          await x.auth.userChangePassword({ name: ROOT, password });
        }
        await x.auth.userGrantRole({ user: ROOT, role: ROOT });
        await x.auth.authEnable();
        return 'enabled' as const;
      }, callTimeoutMs, { tls: etcd.creds.tls });
      await recordAppliedRootPassword(kube, c.ref, password);
      return did;
    },

    /** Auth off, as root. Off already: nothing to do. */
    async disableAuth(key: ClusterKey): Promise<'disabled' | 'already'> {
      const { etcd, eps } = await reach(key);
      const on = await authStatusOf(etcd, eps, callTimeoutMs);
      if (!on) return 'already';
      await etcd.withRoot(eps, (x) => x.auth.authDisable(), callTimeoutMs);
      return 'disabled';
    },
  };
}
