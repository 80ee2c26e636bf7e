// The workflow of one EtcdUser (`etcduser-<uid>`): a small reconcile loop. It reads the object and
// applies it whenever what it depends on changed (the spec, the password Secret, the cluster): the
// password Secret, the roles and the user in etcd, the credentials Secret, then Ready. A problem
// (unknown cluster, duplicate username, bad Secret, cluster unreachable) is a Ready=False condition
// and one Event, and is looked at again. Deleting the object deletes the user (and its roles no other
// EtcdUser names), then lets the object go.
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { UserKey } from '../activities/etcd/users.ts';
import { etcd, kubeBounded } from './activity-proxies.ts';
import { failureType, message } from '../domain/failures.ts';
import { userChangedSignal } from './messages.ts';

/** Looks again this often without a signal: the password Secret is not watched. */
const RESYNC = '20 seconds';
const RETRY_PROBLEM = '15 seconds';

export interface UserWorkflowState { applied?: string; problem?: string; events: number }

export async function etcdUserWorkflow({ user, state: carried }: { user: UserKey; state?: UserWorkflowState }): Promise<{ deleted?: string }> {
  const state: UserWorkflowState = carried ?? { events: 0 };
  const { workflowId } = workflowInfo();
  let changed = false;
  setHandler(userChangedSignal, () => { changed = true; });
  const wait = (timeout: string) => condition(() => changed || workflowInfo().continueAsNewSuggested, timeout);
  const event = async (type: 'Normal' | 'Warning', reason: string, msg: string) => {
    state.events += 1;
    await kubeBounded.recordUserEvent(user, { id: `${state.events}-${user.uid.slice(0, 8)}`, type, reason, message: msg });
  };
  /** Ready=False with why, and an Event the first time this problem is seen. */
  const problem = async (generation: number, reason: string, msg: string) => {
    if (state.problem !== msg) await event('Warning', reason, msg);
    state.problem = msg;
    state.applied = undefined;
    await kubeBounded.reportUser(user, { ready: false, reason, message: msg, generation, workflowId });
  };

  await kubeBounded.ensureUserFinalizer(user);
  for (;;) {
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof etcdUserWorkflow>({ user, state });
    }
    changed = false;
    const u = await kubeBounded.readEtcdUser(user);
    if (!u) return {};
    if (u.deleting) {
      for (;;) {
        try {
          const done = await etcd.deleteUserFromEtcd(user);
          if (done.user) await event('Normal', 'UserDeleted', `user ${done.user} deleted from etcd${done.roles.length ? `, with roles ${done.roles.join(', ')}` : ''}`);
          break;
        } catch (err) {
          await problem(u.generation, 'DeleteFailed', `deleting the user from etcd: ${message(err)}`).catch(() => undefined);
          await wait(RETRY_PROBLEM);
        }
      }
      await kubeBounded.removeUserFinalizer(user);
      return { deleted: user.name };
    }
    if (u.problem) {
      await problem(u.generation, u.problem.reason, u.problem.message);
      await wait(RETRY_PROBLEM);
      continue;
    }
    if (state.applied !== u.fingerprint) {
      try {
        const pw = await kubeBounded.ensureUserPassword(user);
        if (pw.created) await event('Normal', 'PasswordSecretCreated', `Secret ${pw.secret} created with a random password`);
        const applied = await etcd.applyUserInEtcd(user);
        const secret = await kubeBounded.writeUserCredentials(user);
        const msg = `user and roles (${applied.roles.join(', ') || 'none'}) applied; credentials in Secret ${secret}${applied.authOn ? '' : ' (the cluster has authentication off: enable spec.auth to enforce them)'}`;
        await event('Normal', state.applied === undefined ? 'UserApplied' : 'UserUpdated', msg);
        await kubeBounded.reportUser(user, { ready: true, reason: 'Applied', message: msg, generation: u.generation, credentialsSecret: secret, workflowId });
        state.applied = u.fingerprint;
        state.problem = undefined;
      } catch (err) {
        // A Secret of a derived name that someone else owns: Ready=False, reason NameConflict, naming it.
        await problem(u.generation, failureType(err) === 'NameConflict' ? 'NameConflict' : 'ApplyFailed', message(err));
        await wait(RETRY_PROBLEM);
        continue;
      }
    }
    await wait(RESYNC);
  }
}
