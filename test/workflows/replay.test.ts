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
const histories = ['cluster', 'create', 'delete', 'cluster-crash-resume', 'create-client-endpoints', 'delete-crash-resume', 'cluster-retry-update'];

it('recorded histories of the cluster, create and delete workflows (old and current code paths) replay without nondeterminism', async () => {
  for (const name of histories) {
    const history = JSON.parse(readFileSync(new URL(`./histories/${name}.json`, import.meta.url), 'utf8'));
    // Throws DeterminismViolationError (or any replay failure) if the code no longer matches.
    await Worker.runReplayHistory({ workflowsPath, replayName: name }, history, `replay-${name}`);
  }
});
