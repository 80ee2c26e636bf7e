// Real etcd processes (both pinned versions): the membership and snapshot calls the operator's
// activities rely on, exercised through the etcd3 client and etcdutl.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LocalEtcd } from '../support/etcd-processes.ts';
import { ensureStack, toolDir } from '../support/stack.ts';
import { waitFor } from '../support/wait.ts';

for (const [tool, ipPrefix] of [['etcd35', '127.0.0.1'], ['etcd36', '127.0.0.2']] as const) {
  describe(`etcd ${tool}: a 3-member cluster of real processes`, () => {
    let etcd: LocalEtcd;
    let bin: string;

    before(async () => {
      ensureStack();
      bin = toolDir(tool);
      etcd = new LocalEtcd(bin, ipPrefix);
      for (const i of [1, 2, 3]) etcd.start(i, [1, 2, 3], 'new');
      await Promise.all([1, 2, 3].map((i) => etcd.waitHealthy(i)));
    });
    after(async () => { await etcd?.close(); });

    it('reports the version it was built at', () => {
      const out = execFileSync(join(bin, 'etcd'), ['--version'], { encoding: 'utf8' });
      const expected = tool === 'etcd35' ? /etcd Version: 3\.5\./ : /etcd Version: 3\.6\./;
      assert.match(out, expected);
    });

    it('lists three started voting members', async () => {
      const c = etcd.client([1, 2, 3]);
      try {
        const { members } = await c.cluster.memberList({ linearizable: true });
        assert.deepEqual(members.map((m) => m.name).sort(), ['m1', 'm2', 'm3']);
        assert.ok(members.every((m) => !m.isLearner));
      } finally { c.close(); }
    });

    it('adds a learner, waits for it to catch up, promotes it, then removes a member', async () => {
      const c = etcd.client([1, 2, 3]);
      try {
        await c.put('before-join').value('1');
        // etcd refuses membership changes ("unhealthy cluster") until every member has been
        // connected for a few seconds after start: retry, as the operator's activity does.
        const added = await waitFor('learner add', () =>
          c.cluster.memberAdd({ peerURLs: [etcd.member(4).peerURL], isLearner: true }), { timeoutMs: 30_000, intervalMs: 500 });
        assert.equal(added.member.isLearner, true);
        etcd.start(4, [1, 2, 3, 4], 'existing');
        await etcd.waitHealthy(4);
        // Promotion is refused until the learner's log is in sync with the leader.
        await waitFor('learner promotion', async () => {
          await c.cluster.memberPromote({ ID: added.member.ID });
          return true;
        }, { timeoutMs: 30_000, intervalMs: 500 });
        let { members } = await c.cluster.memberList({ linearizable: true });
        assert.equal(members.length, 4);
        assert.ok(members.every((m) => !m.isLearner), 'all members are voters after promotion');

        const m4 = etcd.client([4]);
        assert.equal(await m4.get('before-join').string(), '1', 'the new member serves data written before it joined');
        m4.close();

        const victim = members.find((m) => m.name === 'm3')!;
        // The etcd3 client retries a call whose reply was lost (e.g. when m3 led and stepped down):
        // the retry of a removal that went through answers "member not found". The operator's
        // removeMember activity treats that as done too; the member list below is the check.
        await c.cluster.memberRemove({ ID: victim.ID }).catch((err: Error) => { if (!/member not found/.test(err.message)) throw err; });
        await etcd.stop(3);
        ({ members } = await c.cluster.memberList({ linearizable: true }));
        assert.deepEqual(members.map((m) => m.name).sort(), ['m1', 'm2', 'm4']);
      } finally { c.close(); }
    });

    it('takes a snapshot through the maintenance API and restores it with etcdutl', async () => {
      const c = etcd.client([1, 2]);
      const source = etcd.client([1]);
      const snap = join(etcd.dir, 'snap.db');
      try {
        for (let i = 0; i < 50; i++) await c.put(`snap/k${i}`).value(`v${i}`);
        // A follower may not have applied the last acknowledged write yet: a linearizable read through
        // the member to snapshot waits until it has (the operator's snapshot activity does the same).
        assert.equal(await source.get('snap/k49').string(), 'v49');
        const stream = await source.maintenance.snapshot();
        // The typed stream is a Node Readable of ISnapshotResponse messages underneath.
        const messages = stream as unknown as AsyncIterable<{ blob: Buffer }>;
        await pipeline(async function* () { for await (const chunk of messages) yield chunk.blob; }, createWriteStream(snap));
      } finally { c.close(); source.close(); }

      const restoreArgs = ['snapshot', 'restore', snap, '--name', 'm9', '--data-dir', etcd.member(9).dataDir,
        '--initial-cluster', `m9=${etcd.member(9).peerURL}`, '--initial-advertise-peer-urls', etcd.member(9).peerURL];
      execFileSync(join(bin, 'etcdutl'), restoreArgs, { stdio: 'pipe' });
      etcd.start(9, [9], 'new');
      await etcd.waitHealthy(9);
      const restored = etcd.client([9]);
      try {
        const keys = await restored.getAll().prefix('snap/').keys();
        assert.equal(keys.length, 50);
        assert.equal(await restored.get('snap/k49').string(), 'v49');
        const { members } = await restored.cluster.memberList({ linearizable: true });
        assert.equal(members.length, 1, 'a restore starts a new one-member cluster');
      } finally { restored.close(); }
    });
  });
}
