// ConfigureAuth: etcd authentication on (the root password Secret, made if absent; the root role
// and user; then AuthEnable), root's password changed to the Secret's, or off (AuthDisable as
// root). Each activity looks before it acts, so a retry or a crash at any step ends in the same state.
import { etcd, kubeBounded } from './activity-proxies.ts';
import { operationProgress } from './progress.ts';
import type { MemberChange } from '../domain/types.ts';
import type { MemberOperationInput } from '../domain/types.ts';

export type ConfigureAuthChange = Extract<MemberChange, { type: 'ConfigureAuth' }>;

export async function configureAuthWorkflow({ key, change, reason }: MemberOperationInput<ConfigureAuthChange>): Promise<{ message: string }> {
  const progress = operationProgress(key, 'ConfigureAuth', reason);
  if (!change.enable) {
    await progress.step('Disable authentication');
    const did = await etcd.disableAuth(key);
    await progress.step('Authentication off', { reason: 'AuthDisabled', message: did === 'already' ? 'authentication was off already' : 'authentication turned off' });
    return { message: 'authentication is off' };
  }
  await progress.step('Root password Secret');
  const root = await kubeBounded.ensureRootSecret(key);
  if (root.created) await progress.step('Root password Secret created', { reason: 'RootSecretCreated', message: `Secret ${root.secret} created with a random root password` });
  await progress.step('Enable authentication');
  const did = await etcd.enableAuth(key);
  if (did === 'rotated') {
    await progress.step('Root password changed', { reason: 'RootPasswordChanged', message: `root's password in etcd changed to the one in Secret ${root.secret}` });
    return { message: `root's password changed (Secret ${root.secret})` };
  }
  await progress.step('Authentication on', { reason: 'AuthEnabled', message: did === 'already' ? 'authentication was on already' : `authentication turned on; root's password is in Secret ${root.secret}` });
  return { message: `authentication is on (root's password in Secret ${root.secret})` };
}
