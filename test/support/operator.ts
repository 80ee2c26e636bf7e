// The operator as a real process (bin/etcdop.js run), scoped to one namespace and its own task
// queue so test runs never race another operator; killable with SIGKILL and restartable.
import { before, after } from 'node:test';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectClient, temporalTarget } from '../../client/temporal.ts';
import { prebuiltBundlePath } from '../../worker/worker.ts';
import { operatorProcessEnv } from '../../worker/runtime-env.ts';
import { ensureStack, repoRoot } from './stack.ts';
import { kubectl, tempNamespace } from './kube.ts';
import { waitFor } from './wait.ts';

export class OperatorProcess {
  private proc?: ChildProcess;
  readonly logFile: string;

  constructor(readonly namespace: string, readonly taskQueue = `e2e-${namespace}`) {
    // A second operator on the same namespace (another task queue) writes a log of its own.
    this.logFile = join(tmpdir(), taskQueue === `e2e-${namespace}` ? `etcdop-${namespace}.log` : `etcdop-${namespace}-${taskQueue}.log`);
  }

  get pid(): number | undefined { return this.proc?.pid; }

  static installCrds(): void {
    // This tree's CRDs win: after a change to them, an install applied from an older tree (another
    // field manager, other values) would otherwise make every suite fail on the conflict.
    kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=etcd-operator', '-f', `${repoRoot}deploy/crds/`]);
    kubectl(['wait', '--for=condition=Established', 'crd/etcdclusters.etcd.operator.dev', 'crd/etcdbackups.etcd.operator.dev', '--timeout=60s']);
  }

  /** Builds the workflow bundle and returns the environment that makes an operator load it, as in production. */
  static prebuiltBundleEnv(): Record<string, string> {
    execFileSync('npx', ['tsx', 'scripts/build-workflows.ts'], { cwd: repoRoot, stdio: 'ignore' });
    return { ETCD_OPERATOR_WORKFLOW_BUNDLE: prebuiltBundlePath };
  }

  /**
   * `env` adds to this process's environment, e.g. ETCD_OPERATOR_FAILPOINTS for one run. One object,
   * one operator: one still running (a case that failed before its stop) is killed first, or it
   * would keep polling the task queue, take the next case's activities, and outlive the suite.
   */
  start(env: Record<string, string> = {}): void {
    const running = this.proc;
    if (running && running.exitCode === null && running.signalCode === null) running.kill('SIGKILL');
    const log = openSync(this.logFile, 'a');
    this.proc = spawn(process.execPath, [`${repoRoot}bin/etcdop.js`, 'run', '--namespace', this.namespace, '--task-queue', this.taskQueue, '--http-address', '127.0.0.1:0'], {
      stdio: ['ignore', log, log], env: operatorProcessEnv({ ...process.env, ...env }),
    });
  }

  /** Resolves with the signal (or exit code) when the process ends by itself. */
  exited(): Promise<string> {
    const p = this.proc;
    if (!p) return Promise.reject(new Error('operator not started'));
    if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(String(p.signalCode ?? p.exitCode));
    return new Promise((resolve) => p.once('exit', (code, signal) => resolve(String(signal ?? code))));
  }

  /**
   * Waits until no workflow of this operator's task queue is running: once its clusters are
   * deleted, every cluster workflow must finish by itself (none may retry forever).
   */
  async drain(timeoutMs = 90_000): Promise<void> {
    const client = await connectClient(temporalTarget());
    try {
      const query = `TaskQueue = '${this.taskQueue}' AND ExecutionStatus = 'Running'`;
      let running: string[] = [];
      await waitFor(`workflows of ${this.taskQueue} finished`, async () => {
        running = [];
        for await (const w of client.workflow.list({ query })) running.push(w.workflowId);
        return running.length === 0;
      }, { timeoutMs, intervalMs: 500 }).catch((err: Error) => { throw new Error(`${err.message}; still running: ${running.join(', ')} (log: ${this.logFile})`); });
    } finally {
      await client.connection.close();
    }
  }

  /** Waits until the operator's worker polls its task queue (what `etcdop doctor` checks): it is up, as after `npm start`'s banner. */
  async waitPolling(timeoutMs = 60_000): Promise<void> {
    const client = await connectClient(temporalTarget());
    try {
      await waitFor(`a worker polling ${this.taskQueue}`, async () => {
        const tq = await client.workflowService.describeTaskQueue({ namespace: client.options.namespace, taskQueue: { name: this.taskQueue }, taskQueueType: 1 });
        return (tq.pollers ?? []).length > 0;
      }, { timeoutMs, intervalMs: 250 }).catch((err: Error) => { throw new Error(`${err.message} (log: ${this.logFile})`); });
    } finally {
      await client.connection.close();
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => { p.once('exit', () => resolve()); p.kill(signal); });
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Registers the hooks of a suite that runs against its own namespace and operator: before, the
 * stack, the CRDs and a started operator; after, every EtcdCluster deleted, every workflow of the
 * operator finished, the namespace removed. The returned object is filled in by the before hook.
 */
export function useOperatorNamespace(prefix: string, o: { env?: () => Record<string, string> } = {}): { ns: string; operator: OperatorProcess } {
  const ctx = {} as { ns: string; operator: OperatorProcess };
  let cleanup = () => {};
  before(() => {
    ensureStack();
    OperatorProcess.installCrds();
    ({ ns: ctx.ns, cleanup } = tempNamespace(prefix));
    ctx.operator = new OperatorProcess(ctx.ns);
    ctx.operator.start(o.env?.());
  });
  after(async () => {
    // Backups first, while the operator runs: their finalizer deletes the stored snapshots.
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '--all', '-n', ctx.ns, '--wait=true', '--timeout=120s']);
    // Users next, while their cluster still answers: their finalizer deletes them from etcd.
    kubectl(['delete', 'etcdusers.etcd.operator.dev', '--all', '-n', ctx.ns, '--wait=true', '--timeout=120s']);
    kubectl(['delete', 'etcdcluster', '--all', '-n', ctx.ns, '--wait=true', '--timeout=120s']);
    await ctx.operator.drain();
    await ctx.operator.stop();
    cleanup();
  });
  return ctx;
}
