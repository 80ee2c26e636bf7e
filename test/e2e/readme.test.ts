// The README's runnable blocks, run as a reader would: every ```sh block right after a
// `<!-- readme-test: ... -->` comment runs line by line in bash (set -e: a failing command fails the
// test), in a namespace of its own that the kubeconfig's context points at. The blocks run in the
// README's order in that one namespace, so a block uses what the ones before it made; after a block
// fails, the rest are skipped. Two lines are the harness's to provide, not the block's: `npm start`
// (here: an operator of this suite, scoped to the namespace) and `eval "$(npm run -s stack:env)"`
// (here: the stack's environment, already loaded).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl } from '../support/kube.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';

const HARNESS_LINES = [/^npm start\b/, /^eval "\$\(npm run -s stack:env\)"/];
/** The README's tutorial, step by step in the user's order (issue 21): one tested block each. */
const TUTORIAL = ['tutorial-install', 'tutorial-create', 'tutorial-auth', 'tutorial-resize', 'tutorial-app'];

/** The tested blocks of a Markdown text: name (from the comment) and the block's lines. */
function testedBlocks(markdown: string): { name: string; lines: string[] }[] {
  return [...markdown.matchAll(/<!-- readme-test: ([^\s>]+)[^>]*-->\n```sh\n([\s\S]*?)\n```/g)]
    .map((m) => ({ name: m[1]!, lines: m[2]!.split('\n') }));
}

describe('README blocks run as written', () => {
  const ctx = useOperatorNamespace('e2e-readme');
  const blocks = testedBlocks(readFileSync(join(repoRoot, 'README.md'), 'utf8'));
  // `npm start` has the operator up when the reader moves on: its worker polls (etcdop doctor checks that).
  before(() => ctx.operator.waitPolling());

  it('the README has the tutorial\'s blocks, each once, in order', () => {
    const names = blocks.map((b) => b.name);
    assert.equal(new Set(names).size, names.length, `a block name appears twice: ${names.join(', ')}`);
    assert.deepEqual(names.filter((n) => TUTORIAL.includes(n)), TUTORIAL, 'the tutorial\'s <!-- readme-test: NAME --> blocks');
  });

  let failed: string | undefined;
  for (const block of blocks) {
    it(`block "${block.name}"`, { timeout: 1_200_000 }, (t) => {
      if (failed) return t.skip(`block "${failed}" failed, and this one builds on it`);
      failed = block.name; // until it passes
      const t0 = Date.now();
      const dir = mkdtempSync(join(tmpdir(), 'readme-'));
      // The reader's kubeconfig, with this suite's namespace as the context's: commands without -n land there.
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, kubectl(['config', 'view', '--raw']));
      kubectl(['--kubeconfig', kubeconfig, 'config', 'set-context', '--current', `--namespace=${ctx.ns}`]);
      const script = ['set -euo pipefail', 'set -x', ...block.lines.filter((l) => !HARNESS_LINES.some((h) => h.test(l.trim())))].join('\n');
      writeFileSync(join(dir, `${block.name}.sh`), script);
      // Output and the trace (set -x) interleaved in one file, as a reader's terminal shows them.
      const outFile = join(dir, `${block.name}.out`);
      const fd = openSync(outFile, 'w');
      const run = spawnSync('bash', [join(dir, `${block.name}.sh`)], {
        cwd: repoRoot, stdio: ['ignore', fd, fd], timeout: 1_150_000,
        // What `npm start` would have set for etcdop doctor: this suite's operator, its task queue and namespace.
        env: { ...process.env, KUBECONFIG: kubeconfig, PATH: `${repoRoot}bin:${process.env.PATH}`, ETCD_OPERATOR_TASK_QUEUE: ctx.operator.taskQueue, ETCD_OPERATOR_WATCH_NAMESPACES: ctx.ns },
      });
      closeSync(fd);
      const out = readFileSync(outFile, 'utf8');
      assert.equal(run.status, 0, `block "${block.name}" failed (exit ${run.status ?? run.signal}):\n${out.slice(-6000)}`);
      t.diagnostic(`${block.name}: ${Math.round((Date.now() - t0) / 1000)} s (output: ${outFile})`);
      failed = undefined;
    });
  }
});
