// The CLI's shape, without servers: help loads no client library (that is what keeps it fast), the
// kubectl plugin is the same program under its own name, and a bad -o is refused before anything runs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name: string) => new URL(`../../bin/${name}`, import.meta.url).pathname;
const hook = new URL('../support/record-imports.mjs', import.meta.url).pathname;
// From the sources (as CI and a fresh clone run it) and from a build, if there is a current one.
const run = (file: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', hook, bin(file), ...args], { encoding: 'utf8', env: { ...process.env, ETCDOP_FROM_SOURCE: '1', ...env } });

describe('etcdop start-up', () => {
  it('--help and a command\'s --help load neither the Kubernetes nor the Temporal client, nor zod', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcdop-imports-'));
    try {
      for (const args of [['--help'], ['status', '--help'], ['ops', 'list', '--help'], ['backup', '--help'], ['doctor', '--help']]) {
        const out = join(dir, `${args.join('-')}.txt`);
        const r = run('etcdop.js', args, { RECORD_IMPORTS: out });
        assert.equal(r.status, 0, r.stderr);
        const loaded = readFileSync(out, 'utf8').split('\n');
        assert.ok(loaded.some((u) => u.includes('/cli/etcdop.ts')), 'the hook saw the CLI load');
        for (const heavy of ['@kubernetes/client-node', '@temporalio/client', '@temporalio/workflow', 'node_modules/zod/', 'node_modules/yaml/']) {
          assert.deepEqual(loaded.filter((u) => u.includes(heavy)), [], `${args.join(' ')} loaded ${heavy}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kubectl-etcd is the same CLI under the name kubectl shows', () => {
    const r = run('kubectl-etcd', ['--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: kubectl etcd \[options\] \[command\]/);
    for (const cmd of ['status', 'ops', 'backup', 'backups', 'approve', 'defrag', 'doctor']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b`), cmd);
  });

  it('an unknown output format is refused by name, before any server is asked', () => {
    const r = run('etcdop.js', ['status', 'example', '-o', 'xml'], { KUBECONFIG: '/nonexistent' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /argument 'xml' is invalid\. Allowed choices are text, json, yaml/);
  });

  it('ops list takes one namespace (-n, else the context\'s) or every one (-A), not both', () => {
    const help = run('etcdop.js', ['ops', 'list', '--help']);
    assert.match(help.stdout, /-n, --namespace <ns>\s+namespace \(default: the kubeconfig context's,/);
    assert.match(help.stdout, /-A, --all-namespaces\s+of every namespace/);
    const r = run('etcdop.js', ['ops', 'list', '-n', 'a', '-A'], { KUBECONFIG: '/nonexistent', TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /-n and -A cannot be used together/);
  });
});
