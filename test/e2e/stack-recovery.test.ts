// The stack's own life cycle (runs last: it takes the shared stack down and up again).
// `stack:down` leaves no process, mount, network namespace, bridge, route or iptables chain behind,
// a second `stack:up` works, and so does an `up` after every component was SIGKILLed (a crash or
// a session cut short): in both cases a pod runs to Ready again. A crashed dev server starts again
// although a relay holds its port number on the node IP, and a server that is only slow is not
// restarted by `up` (both broke a loaded test run once).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { ensureStack, repoRoot } from '../support/stack.ts';
import { kubectl, tempNamespace } from '../support/kube.ts';

const state = process.env.ETCD_OPERATOR_STATE ?? `${homedir()}/.local/state/etcd-operator`;
const cache = `${homedir()}/.cache/etcd-operator/`;
const stack = (cmd: string) => execFileSync('bash', [`${repoRoot}scripts/stack.sh`, cmd], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const sh = (cmd: string) => execFileSync('bash', ['-c', cmd], { encoding: 'utf8' });

/** Processes started from the cached tools or pointing into the state dir (shims name its socket). */
function strayProcesses(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmd: string;
    try { cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim(); } catch { continue; }
    if (cmd.includes(cache) || cmd.includes(`${state}/`)) out.push(`${pid}: ${cmd.slice(0, 120)}`);
  }
  return out;
}

function componentPids(): number[] {
  const pids: number[] = [];
  const walk = (x: unknown): void => {
    if (x && typeof x === 'object') {
      const pid = (x as { pid?: unknown }).pid;
      if (typeof pid === 'number') pids.push(pid);
      Object.values(x).forEach(walk);
    }
  };
  walk(JSON.parse(stack('status')));
  return pids;
}

function podRunsToReady(): void {
  const { ns, cleanup } = tempNamespace('e2e-stack');
  try {
    kubectl(['run', 'probe', '-n', ns, '--image=etcd-operator.local/busybox:1.35', '--image-pull-policy=IfNotPresent', '--restart=Never', '--', 'sleep', '3600']);
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod/probe', '--timeout=90s']);
  } finally {
    kubectl(['delete', 'pod', 'probe', '-n', ns, '--grace-period=0', '--force', '--ignore-not-found']); // sleep ignores SIGTERM
    cleanup();
  }
}

describe('local stack down/up and recovery from a hard kill', () => {
  after(() => { stack('up'); }); // leave the stack as the other suites expect it

  it('stack:down leaves no process, mount, netns, bridge, route or iptables chain; a second up runs pods again', () => {
    ensureStack();
    stack('down');
    assert.deepEqual(strayProcesses(), []);
    assert.deepEqual(readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(`${state}/`)), []);
    assert.equal(sh('ip netns list | grep "^cni-" || true').trim(), '');
    assert.equal(sh('ip link show etcdop0 2>/dev/null || true').trim(), '');
    assert.equal(sh('ip route show | grep -E "10\\.244\\.|10\\.96\\." || true').trim(), '');
    assert.equal(sh('for t in filter nat mangle; do iptables -w -t $t -S; done | grep -E "ETCDOP|KUBE-|CNI-" || true').trim(), '');
    assert.equal(sh('ss -Hltn | grep "10\\.244\\.0\\.1:" || true').trim(), '', 'no relay left on the node IP');
    stack('up');
    podRunsToReady();
  });

  it('a crashed dev server starts again although the relay on the node IP holds its port number there', () => {
    const pid = Number(readFileSync(`${state}/pids/temporal.pid`, 'utf8'));
    process.kill(-pid, 'SIGKILL');
    stack('up');
    const listening = sh(`ss -Hltn | awk '{print $4}'`);
    assert.match(listening, /^127\.0\.0\.1:7233$/m, 'the dev server');
    assert.match(listening, /^10\.244\.0\.1:7233$/m, 'the relay for pods');
  });

  it('a running server that is slow to answer (stopped for 12 s) is given time by stack:up, not restarted', async () => {
    const pidFile = `${state}/pids/temporal.pid`;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(pid, 'SIGSTOP');
    const up = spawn('bash', [`${repoRoot}scripts/stack.sh`, 'up'], { stdio: 'ignore' });
    const done = new Promise<number | null>((resolve) => up.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 12_000));
    process.kill(pid, 'SIGCONT');
    assert.equal(await done, 0);
    assert.equal(Number(readFileSync(pidFile, 'utf8')), pid, 'the same dev server process');
  });

  it('stack:up after every component was SIGKILLed brings the node back to Ready and runs pods', () => {
    const pids = componentPids();
    assert.ok(pids.length >= 8, `components with a pid: ${pids.length}`);
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
    stack('up');
    assert.equal(kubectl(['get', 'node', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']).trim(), 'True');
    podRunsToReady();
  });
});
