// Histories recorded from real runs on the local stack replay against today's workflow code.
// A change that reorders commands without patched() fails here instead of breaking live workflows.
import { it } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
// cluster/create/delete: before the client-endpoint step (create replays through its patched()
// branch). *-crash-resume: a create and delete with the worker SIGKILLed mid-way, membersChanged
// signals. cluster-retry-update: a failed Create retried through the validated update.
// reconcile-*: the reconcile loop (create, restart, resize 3->5->1->3, a crash-looping member whose
// restart failed and was replaced) and its operations, recorded on the local stack.
const histories = [
  'cluster', 'create', 'delete', 'cluster-crash-resume', 'create-client-endpoints', 'delete-crash-resume', 'cluster-retry-update',
  'reconcile-cluster', 'scale-up', 'scale-down', 'restart-member', 'restart-member-crash-looping', 'replace-member',
  // Backups and recovery: an EtcdBackup to S3 and its deletion, a scheduled run with retention, a
  // Create from a backup, and a cluster loop that lost quorum, waited for approval and recovered.
  'backup', 'delete-backup', 'scheduled-backup', 'create-from-backup', 'recover', 'reconcile-recover-cluster',
  // Rolling changes: an upgrade 3.5.35 -> 3.6.16 with its backup, a resources change, an upgrade to a
  // version whose image does not exist (refused before any member stops), an etcdop defrag.
  'rolling-upgrade', 'rolling-update', 'rolling-upgrade-refused', 'defrag',
  // Security: authentication turned on for a running TLS cluster (root Secret made, then AuthEnable);
  // an EtcdUser made, its password changed, then deleted; the loop of a TLS cluster (certificates
  // issued, renewed and rolled out, auth turned on, deleted); root's password changed via its Secret.
  'configure-auth', 'user', 'reconcile-tls-cluster', 'configure-auth-rotate',
];

it('recorded histories of the cluster loop (legacy and reconcile), create, delete, scale, restart-member, replace-member, backup, recovery, rolling changes, defrag, auth and users replay without nondeterminism', async () => {
  for (const name of histories) {
    const history = JSON.parse(readFileSync(new URL(`./histories/${name}.json`, import.meta.url), 'utf8'));
    // Throws DeterminismViolationError (or any replay failure) if the code no longer matches.
    await Worker.runReplayHistory({ workflowsPath, replayName: name }, history, `replay-${name}`);
  }
});
