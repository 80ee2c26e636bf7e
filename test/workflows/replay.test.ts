// The recorded histories of each release (test/workflows/histories/<release>/, recorded by
// scripts/record-histories.ts from the operator's own runs) replay against today's workflow code.
// A change that alters a released workflow's commands without the patch lifecycle of
// docs/design.md fails here instead of breaking the runs in flight at an upgrade.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import * as workflows from '../../workflows/index.ts';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
const historiesDir = new URL('./histories/', import.meta.url);
/** Releases whose runs may still be open: their histories must keep replaying (docs/design.md). */
const releases = readdirSync(historiesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

const load = (release: string, file: string) => JSON.parse(readFileSync(new URL(`${release}/${file}`, historiesDir), 'utf8'));
const historiesOf = (release: string) => readdirSync(new URL(`${release}/`, historiesDir)).filter((f) => f.endsWith('.json')).sort();
const typeOf = (history: { events: { workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }[] }) =>
  history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

type Recorded = { events: { startChildWorkflowExecutionInitiatedEventAttributes?: { workflowId?: string } }[] };
/**
 * The ID the recorded run had: a workflow names its operations under its own ID, so replay needs the
 * real one. A history does not store its own ID; its first child's ID is that ID plus one segment.
 */
const workflowIdOf = (history: Recorded, fallback: string) => {
  const child = history.events.find((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
  return child ? child.slice(0, child.lastIndexOf('/')) : fallback;
};

describe('recorded histories replay without nondeterminism', () => {
  it('there is a release with histories', () => {
    assert.ok(releases.length > 0, 'no test/workflows/histories/<release>/: record them with scripts/record-histories.ts');
  });

  for (const release of releases) {
    it(`${release}: every history replays`, async () => {
      // One replay worker (one workflow bundle) for the release's histories, not one each.
      const files = historiesOf(release);
      const runs = files.map((file) => { const history = load(release, file); return { file, history, workflowId: workflowIdOf(history, `replay-${release}-${file}`) }; });
      const failures: string[] = [];
      let replayed = 0;
      for await (const r of Worker.runReplayHistories({ workflowsPath, replayName: release }, runs)) {
        replayed += 1;
        // A DeterminismViolationError (or any replay failure) when the code no longer matches.
        if (r.error) failures.push(`${runs.filter((x) => x.workflowId === r.workflowId).map((x) => x.file).join(' or ')}: ${r.error.message}`);
      }
      assert.deepEqual(failures, [], `histories of ${release} that no longer replay`);
      assert.equal(replayed, files.length, 'every history was replayed');
    });
  }

  it('the latest release has a history of every workflow type, and of a cluster loop that continued as new', () => {
    const latest = releases.at(-1)!;
    const files = historiesOf(latest);
    const recorded = new Set(files.map((f) => typeOf(load(latest, f))));
    assert.deepEqual(Object.keys(workflows).filter((t) => !recorded.has(t)), [], `workflow types without a history in ${latest}`);
    assert.ok(files.includes('cluster-loop-continued.json'), 'a cluster loop that went through continue-as-new');
    const continued = load(latest, 'cluster-loop-continued.json') as { events: { eventType?: string }[] };
    assert.equal(continued.events.at(-1)?.eventType, 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
  });
});
