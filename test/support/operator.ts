// The operator as a real process (bin/etcdop.js run), scoped to one namespace and its own task
// queue so test runs never race another operator; killable with SIGKILL and restartable.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './stack.ts';
import { kubectl } from './kube.ts';

export class OperatorProcess {
  private proc?: ChildProcess;
  readonly logFile: string;

  constructor(readonly namespace: string, readonly taskQueue = `e2e-${namespace}`) {
    this.logFile = join(tmpdir(), `etcdop-${namespace}.log`);
  }

  get pid(): number | undefined { return this.proc?.pid; }

  static installCrds(): void {
    kubectl(['apply', '--server-side', '--field-manager=etcd-operator', '-f', `${repoRoot}deploy/crds/`]);
    kubectl(['wait', '--for=condition=Established', 'crd/etcdclusters.etcd.operator.dev', '--timeout=60s']);
  }

  start(): void {
    const log = openSync(this.logFile, 'a');
    this.proc = spawn(process.execPath, [`${repoRoot}bin/etcdop.js`, 'run', '--namespace', this.namespace, '--task-queue', this.taskQueue], {
      stdio: ['ignore', log, log], env: process.env,
    });
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
