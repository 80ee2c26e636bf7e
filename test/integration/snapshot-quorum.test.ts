// The member a backup snapshots must be part of the current quorum: real etcd processes, two of
// three frozen (SIGSTOP) so the third still answers member-local calls (status, serializable reads)
// but cannot read in quorum. The chooser refuses it; with quorum back, it picks a member whose
// snapshot holds every write acknowledged before.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { chooseSnapshotMember, etcdProbe, openSnapshot } from '../../activities/etcd/snapshot.ts';
import { withEtcd } from '../../activities/etcd/client.ts';
import { LocalEtcd } from '../support/etcd-processes.ts';
import { ensureStack, toolDir } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

const probe = etcdProbe((hosts, fn, timeoutMs) => withEtcd(hosts, fn, timeoutMs), 2000);

for (const [tool, ipPrefix] of [['etcd35', '127.0.0.6'], ['etcd36', '127.0.0.7']] as const) {
  describe(`${tool}: the snapshot member is part of the quorum`, () => {
    let etcd: LocalEtcd;
    const endpoints = () => new Map([1, 2, 3].map((i) => [etcd.member(i).name, etcd.member(i).clientURL]));
    const signal = (i: number, sig: NodeJS.Signals) => etcd.member(i).proc!.kill(sig);

    before(async () => {
      ensureStack();
      etcd = new LocalEtcd(toolDir(tool), ipPrefix);
      for (const i of [1, 2, 3]) etcd.start(i, [1, 2, 3], 'new');
      await Promise.all([1, 2, 3].map((i) => etcd.waitHealthy(i)));
    });
    after(async () => {
      for (const i of [1, 2, 3]) etcd.member(i).proc?.kill('SIGCONT');
      await etcd?.close();
    });

    it('with every member healthy: a member in quorum, whose snapshot holds the last acknowledged write', async () => {
      const c = etcd.client([1, 2, 3]);
      let written: number;
      try {
        for (let i = 0; i < 20; i++) await c.put(`k${i}`).value(`v${i}`);
        written = Number((await c.put('last').value('x').exec()).header.revision);
      } finally { c.close(); }
      const chosen = await chooseSnapshotMember(endpoints(), probe);
      assert.ok(chosen.revision >= written, `read in quorum at ${chosen.revision} >= ${written}`);
      const snap = await openSnapshot({ endpoint: chosen.endpoint, creds: {} });
      try {
        for await (const _ of snap.bytes) { /* drain */ }
        assert.ok(snap.digest().sizeBytes > 0);
        const rev = snap.revision();
        if (rev) assert.ok(rev >= chosen.revision, `the snapshot's revision ${rev} >= ${chosen.revision}`);
      } finally { snap.close(); }
    });

    it('a member cut off from the quorum still answers status, but is never chosen: NoQuorum, retryable', { timeout: 60_000 }, async () => {
      signal(2, 'SIGSTOP');
      signal(3, 'SIGSTOP');
      try {
        // What the chooser used to go by: the lone member still reports its status and revision.
        const alone = etcd.client([1]);
        try {
          assert.ok((await alone.maintenance.status()).version);
          assert.ok(await alone.get('last').serializable(true).string(), 'a serializable (member-local) read still answers');
        } finally { alone.close(); }
        await assert.rejects(probe.quorumRead(etcd.member(1).clientURL), 'a linearizable read through it fails');
        await assert.rejects(chooseSnapshotMember(endpoints(), probe, 'test/db'), (err: ApplicationFailure) => {
          assert.equal(err.type, 'NoQuorum');
          assert.equal(err.nonRetryable, false);
          assert.match(err.message, /no member of test\/db is part of a quorum .*through m1/);
          return true;
        });
      } finally {
        signal(2, 'SIGCONT');
        signal(3, 'SIGCONT');
      }
    });

    it('a stopped member is never chosen while the others keep quorum', { timeout: 60_000 }, async () => {
      signal(1, 'SIGSTOP');
      try {
        const chosen = await waitFor('a member in quorum', () => chooseSnapshotMember(endpoints(), probe), { timeoutMs: 30_000, intervalMs: 500 });
        assert.notEqual(chosen.member, 'm1');
      } finally {
        signal(1, 'SIGCONT');
      }
      await waitFor('quorum read through m1 again', () => probe.quorumRead(etcd.member(1).clientURL), { timeoutMs: 30_000, intervalMs: 500 });
    });
  });
}
