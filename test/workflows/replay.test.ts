// Histories recorded from real runs on the local stack replay against today's workflow code.
// A change that reorders commands without patched() fails here instead of breaking live workflows.
import { it } from 'node:test';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const histories = ['cluster', 'create', 'delete'];

it('recorded histories of the cluster, create and delete workflows replay without nondeterminism', async () => {
  for (const name of histories) {
    const history = JSON.parse(readFileSync(new URL(`./histories/${name}.json`, import.meta.url), 'utf8'));
    // Throws DeterminismViolationError (or any replay failure) if the code no longer matches.
    await Worker.runReplayHistory({ workflowsPath, replayName: name }, history, `replay-${name}`);
  }
});
