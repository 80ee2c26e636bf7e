// Real etcd member processes on loopback addresses (127.0.0.x), for tests of the etcd side
// without Kubernetes. Each member gets its own IP so the standard ports never clash.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { waitFor } from './wait.ts';

export interface EtcdMemberProcess {
  name: string;
  ip: string;
  clientURL: string;
  peerURL: string;
  dataDir: string;
  proc?: ChildProcess;
}

export class LocalEtcd {
  readonly dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
  readonly members = new Map<string, EtcdMemberProcess>();

  /** binDir: cached etcd bin dir; ipBase: e.g. "127.0.0.1" + index gives 127.0.0.11, .12, ... */
  constructor(readonly binDir: string, readonly ipPrefix: string) {}

  member(index: number): EtcdMemberProcess {
    const name = `m${index}`;
    let m = this.members.get(name);
    if (!m) {
      const ip = `${this.ipPrefix}${index}`;
      m = { name, ip, clientURL: `http://${ip}:2379`, peerURL: `http://${ip}:2380`, dataDir: join(this.dir, name) };
      this.members.set(name, m);
    }
    return m;
  }

  /** Starts member `index`; state "new" bootstraps with `initial`, "existing" joins. */
  start(index: number, initial: number[], state: 'new' | 'existing', extra: string[] = []): EtcdMemberProcess {
    const m = this.member(index);
    const initialCluster = initial.map((i) => `${this.member(i).name}=${this.member(i).peerURL}`).join(',');
    const log = openSync(join(this.dir, `${m.name}.log`), 'a');
    m.proc = spawn(join(this.binDir, 'etcd'), [
      '--name', m.name, '--data-dir', m.dataDir,
      '--listen-client-urls', m.clientURL, '--advertise-client-urls', m.clientURL,
      '--listen-peer-urls', m.peerURL, '--initial-advertise-peer-urls', m.peerURL,
      '--initial-cluster', initialCluster, '--initial-cluster-state', state,
      '--initial-cluster-token', 'test', '--log-level', 'warn', ...extra,
    ], { stdio: ['ignore', log, log] });
    return m;
  }

  client(indexes: number[]): Etcd3 {
    // Every call gets a deadline: a call to a member that is starting or gone must fail, not hang.
    return new Etcd3({
      hosts: indexes.map((i) => this.member(i).clientURL),
      dialTimeout: 2000,
      defaultCallOptions: () => ({ deadline: new Date(Date.now() + 5000) }),
    });
  }

  async waitHealthy(index: number, timeoutMs = 30_000): Promise<void> {
    const c = this.client([index]);
    try {
      await waitFor(`etcd member ${this.member(index).name} healthy`, async () => {
        await c.maintenance.status();
        return true;
      }, { timeoutMs });
    } finally {
      c.close();
    }
  }

  async stop(index: number): Promise<void> {
    const p = this.member(index).proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (p.exitCode === null) p.kill('SIGKILL');
  }

  async close(): Promise<void> {
    for (const m of this.members.values()) if (m.proc) await this.stop(Number(m.name.slice(1)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
