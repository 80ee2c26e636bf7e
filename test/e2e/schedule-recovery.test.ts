// Scheduled backups and quorum-loss recovery on the local stack: a Schedule with retention 2 over 4
// runs leaves exactly 2 backups and 2 stored objects, a run due while the operator is down happens
// when it is back; a cluster that lost 2 of 3 members with their data waits for `etcdop approve`,
// deletes nothing meanwhile, and comes back from the latest backup (or at once with the policy).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CopyObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, podUids, waitAvailable, waitEvent } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { repoRoot } from '../support/stack.ts';
import { clientServiceEndpoint } from '../support/writer.ts';
import { backupYaml, bucket, createS3Secret, listBackups, readKeys, s3, storedObjects, waitBackupDone, writeKeys } from '../support/backups.ts';
import { waitFor } from '../support/wait.ts';

const etcdop = (args: string[]) => execFileSync(process.execPath, [`${repoRoot}bin/etcdop.js`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Deletes the pods and volumes of these members: their data is gone. */
function loseMembers(ns: string, members: string[]): void {
  kubectl(['delete', 'pvc', '-n', ns, ...members.map((m) => `data-${m}`), '--wait=false']);
  kubectl(['delete', 'pod', '-n', ns, ...members, '--grace-period=1', '--wait=true']);
  kubectl(['wait', '--for=delete', '-n', ns, ...members.map((m) => `pvc/data-${m}`), '--timeout=60s']);
}

describe('scheduled backups and quorum-loss recovery', () => {
  const suite = useOperatorNamespace('e2e-sched');
  let ns: string;
  let secret: string;
  let prefix: string;
  before(() => {
    ({ ns } = suite);
    secret = createS3Secret(ns);
    prefix = `e2e/${ns}/`;
  });

  it('a Schedule with retention 2 over 4 runs leaves exactly 2 backups and 2 stored objects; a run missed while the operator was down happens when it is back', { timeout: 900_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('sched', { size: 1, storage: { size: '64Mi' }, backup: { schedule: '@every 30s', retention: 2, destination: { s3: { bucket: bucket(), prefix, credentialsSecret: secret } } } }));
    await waitAvailable(ns, 'sched');
    const scheduled = () => listBackups(ns).filter((b) => b.metadata.labels?.['etcd.operator.dev/scheduled'] === 'true');
    const succeeded = () => scheduled().filter((b) => b.status?.phase === 'Succeeded');
    await waitFor('2 scheduled backups', () => succeeded().length >= 2, { timeoutMs: 180_000, intervalMs: 2000 });

    // The operator is down across a scheduled time: the server starts the run, it waits for a worker.
    await suite.operator.kill();
    const downAt = Date.now();
    const before = new Set(scheduled().map((b) => b.metadata.name));
    await new Promise((r) => setTimeout(r, 40_000));
    suite.operator.start();
    const missed = await waitFor('the run missed while down', () => scheduled().find((b) => !before.has(b.metadata.name) && b.status?.phase === 'Succeeded'), { timeoutMs: 180_000, intervalMs: 2000 });
    const runAt = Date.parse(/(\d{8})-(\d{6})$/.exec(missed.metadata.name)![0].replace(/(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/, '$1-$2-$3T$4:$5:$6Z'));
    assert.ok(runAt >= downAt - 1000 && runAt <= downAt + 40_000, `the missed run ${missed.metadata.name} was scheduled while the operator was down`);

    const names = new Set(scheduled().map((b) => b.metadata.name));
    await waitFor('a 4th run', () => scheduled().filter((b) => !names.has(b.metadata.name) && b.status?.phase === 'Succeeded').length >= 1, { timeoutMs: 120_000, intervalMs: 2000 });
    // Retention runs after each backup: exactly 2 backups and 2 objects once the deletions went through.
    const done = await waitFor('retention 2', async () => {
      const live = scheduled().filter((b) => !(b as { metadata: { deletionTimestamp?: string } }).metadata.deletionTimestamp);
      const objects = await storedObjects(`${prefix}${ns}/sched/`);
      return live.length === 2 && objects.length === 2 && { live, objects };
    }, { timeoutMs: 60_000, intervalMs: 1000 });
    assert.deepEqual(done.objects, done.live.map((b) => b.status!.location!.replace(`s3://${bucket()}/`, '')).sort());

    const show = JSON.parse(etcdop(['schedule', 'show', 'sched', '-n', ns, '-o', 'json'])) as { paused: boolean; recent: unknown[] };
    assert.equal(show.paused, false);
    assert.ok(show.recent.length >= 4);
    etcdop(['schedule', 'pause', 'sched', '-n', ns]);
    assert.equal((JSON.parse(etcdop(['schedule', 'show', 'sched', '-n', ns, '-o', 'json'])) as { paused: boolean }).paused, true);
    // Removing spec.backup deletes the Schedule.
    kubectl(['patch', 'etcdcluster', '-n', ns, 'sched', '--type=json', '-p', '[{"op":"remove","path":"/spec/backup"}]']);
    await waitFor('schedule deleted', () => {
      try { etcdop(['schedule', 'show', 'sched', '-n', ns]); return false; } catch { return true; }
    }, { timeoutMs: 60_000, intervalMs: 2000 });
  });

  it('2 of 3 members lost with their data: QuorumLost, nothing deleted; after etcdop approve the cluster is back with the backup\'s data; with RestoreLatestBackup it recovers without approval', { timeout: 900_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('ql', { size: 3, storage: { size: '64Mi' } }));
    await waitAvailable(ns, 'ql');
    assert.throws(() => etcdop(['approve', 'ql', '-n', ns]), /nothing waits for approval/);
    await writeKeys(clientServiceEndpoint(ns, 'ql'), 'kept', 500);
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('ql-1', { clusterName: 'ql', destination: { s3: { bucket: bucket(), prefix, credentialsSecret: secret } } }));
    const backup = await waitBackupDone(ns, 'ql-1');
    assert.equal(backup.status?.phase, 'Succeeded');
    await writeKeys(clientServiceEndpoint(ns, 'ql'), 'after', 50); // after the backup: lost by the recovery

    loseMembers(ns, ['ql-1', 'ql-2']);
    const survivor = podUids(ns, 'ql').get('ql-0');
    await waitFor('QuorumLost waiting for approval', () => getCluster(ns, 'ql').status?.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'QuorumLost' && /waiting for approval/.test(c.message ?? '')), { timeoutMs: 120_000, intervalMs: 1000 });
    await new Promise((r) => setTimeout(r, 10_000));
    assert.equal(podUids(ns, 'ql').get('ql-0'), survivor, 'nothing is deleted while waiting for approval');
    assert.ok(kubectl(['get', 'pvc', '-n', ns, 'data-ql-0', '-o', 'name']).trim());
    await waitEvent(ns, 'ql', 'RecoveryNeedsApproval', /etcdop approve ql/);

    assert.match(etcdop(['approve', 'ql', '-n', ns]), /approved the recovery/);
    const c = await waitAvailable(ns, 'ql', 300_000);
    assert.deepEqual(c.status!.members!.map((m) => m.name).sort(), ['ql-3', 'ql-4', 'ql-5']);
    assert.equal((await readKeys(clientServiceEndpoint(ns, 'ql'), 'kept')).size, 500, 'the backup\'s data is back');
    assert.equal((await readKeys(clientServiceEndpoint(ns, 'ql'), 'after')).size, 0, 'writes after the backup are gone, as reported');
    const restored = kubectlJson<{ status: { restoredFrom?: { backup?: string; revision?: number } } }>(['get', 'etcdcluster', '-n', ns, 'ql']).status.restoredFrom;
    assert.deepEqual({ backup: restored?.backup, revision: restored?.revision }, { backup: 'ql-1', revision: backup.status!.revision });
    await waitEvent(ns, 'ql', 'QuorumRecovered', new RegExp(`writes after revision ${backup.status!.revision} are lost`));
    assert.ok(kubectl(['get', 'pvc', '-n', ns, 'data-ql-0', '-o', 'name']).trim(), 'the survivor\'s volume is kept');

    // Policy RestoreLatestBackup: no approval needed.
    kubectl(['patch', 'etcdcluster', '-n', ns, 'ql', '--type=merge', '-p', JSON.stringify({ spec: { recovery: { policy: 'RestoreLatestBackup' } } })]);
    loseMembers(ns, ['ql-3', 'ql-4']);
    const again = await waitFor('recovered without approval', () => {
      const x = getCluster(ns, 'ql');
      const names = x.status?.members?.map((m) => m.name).sort() ?? [];
      return names.join() === 'ql-6,ql-7,ql-8' && x.status?.readyMembers === 3 && x;
    }, { timeoutMs: 300_000, intervalMs: 2000 });
    assert.ok(again);
    assert.equal((await readKeys(clientServiceEndpoint(ns, 'ql'), 'kept')).size, 500);
  });

  it('a recovery whose backups are corrupt touches nothing; with a good older one it falls back to it, approved right as QuorumLost appears; Delete keeps the set-aside volumes', { timeout: 900_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('qc', { size: 3, storage: { size: '64Mi' } }));
    await waitAvailable(ns, 'qc');
    const dest = { s3: { bucket: bucket(), prefix, credentialsSecret: secret } };
    await writeKeys(clientServiceEndpoint(ns, 'qc'), 'old', 200);
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('qc-1', { clusterName: 'qc', destination: dest }));
    const older = await waitBackupDone(ns, 'qc-1');
    await writeKeys(clientServiceEndpoint(ns, 'qc'), 'newer', 100);
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('qc-2', { clusterName: 'qc', destination: dest }));
    const newest = await waitBackupDone(ns, 'qc-2');
    assert.equal([older.status?.phase, newest.status?.phase].join(), 'Succeeded,Succeeded');
    assert.ok(newest.status!.revision! > older.status!.revision!);

    // Both stored snapshots damaged (the older one's copy kept aside to put back later).
    const client = s3();
    const keyOf = (loc: string) => loc.replace(`s3://${bucket()}/`, '');
    const olderKey = keyOf(older.status!.location!);
    try {
      await client.send(new CopyObjectCommand({ Bucket: bucket(), CopySource: `${bucket()}/${olderKey}`, Key: `${olderKey}.saved` }));
      for (const loc of [older.status!.location!, newest.status!.location!]) {
        await client.send(new PutObjectCommand({ Bucket: bucket(), Key: keyOf(loc), Body: Buffer.alloc(4096, 7) }));
      }

      loseMembers(ns, ['qc-1', 'qc-2']);
      const survivor = podUids(ns, 'qc').get('qc-0');
      // Approve the moment the status says QuorumLost (possibly before the loss is known to be for good).
      await waitFor('QuorumLost', () => getCluster(ns, 'qc').status?.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'QuorumLost'), { timeoutMs: 120_000, intervalMs: 250 });
      assert.match(etcdop(['approve', 'qc', '-n', ns]), /approved the recovery/);
      const failed = await waitFor('recovery failed', () => getCluster(ns, 'qc').status?.conditions?.find((c) => c.type === 'Degraded' && /no backup can be restored/.test(c.message ?? '')), { timeoutMs: 300_000, intervalMs: 1000 });
      assert.match(failed.message!, /qc-2 \(revision \d+\): .*corrupt/);
      assert.match(failed.message!, /qc-1 \(revision \d+\): .*corrupt/);
      assert.equal(podUids(ns, 'qc').get('qc-0'), survivor, 'the survivor still runs');
      const claim = kubectlJson<{ metadata: { ownerReferences?: { kind: string }[]; labels?: Record<string, string> } }>(['get', 'pvc', '-n', ns, 'data-qc-0']);
      assert.equal(claim.metadata.ownerReferences?.[0]?.kind, 'EtcdCluster', 'its volume is untouched');
      assert.equal(claim.metadata.labels?.['etcd.operator.dev/set-aside'], undefined);

      // The older snapshot put back: the next approval falls back to it (the newest is still corrupt).
      await client.send(new CopyObjectCommand({ Bucket: bucket(), CopySource: `${bucket()}/${olderKey}.saved`, Key: olderKey }));
      await waitFor('asks for approval again', () => getCluster(ns, 'qc').status?.conditions?.some((c) => c.type === 'Degraded' && c.reason === 'QuorumLost' && /waiting for approval/.test(c.message ?? '')), { timeoutMs: 120_000, intervalMs: 1000 });
      assert.match(etcdop(['approve', 'qc', '-n', ns]), /approved the recovery/);
      const c = await waitFor('recovered', () => { const x = getCluster(ns, 'qc'); return x.status?.readyMembers === 3 && x.status.members?.every((m) => Number(m.name.split('-')[1]) >= 3) && x; }, { timeoutMs: 300_000, intervalMs: 2000 });
      assert.ok(c);
      assert.equal((await readKeys(clientServiceEndpoint(ns, 'qc'), 'old')).size, 200, 'the older backup\'s data is back');
      assert.equal((await readKeys(clientServiceEndpoint(ns, 'qc'), 'newer')).size, 0);
      const restored = kubectlJson<{ status: { restoredFrom?: { backup?: string; skipped?: { backup: string; reason: string }[] } } }>(['get', 'etcdclusters.etcd.operator.dev', '-n', ns, 'qc']).status.restoredFrom;
      assert.equal(restored?.backup, 'qc-1');
      assert.deepEqual(restored?.skipped?.map((x) => x.backup), ['qc-2']);
      assert.match(kubectl(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=qc,reason=BackupSkipped', '-o', 'jsonpath={.items[*].message}']), /qc-2/);
      const setAside = kubectl(['get', 'pvc', '-n', ns, '-l', 'etcd.operator.dev/set-aside=recovery,etcd.operator.dev/cluster=qc', '-o', 'jsonpath={.items[*].metadata.name}']).trim().split(/\s+/);
      assert.ok(setAside.includes('data-qc-0'), `the survivor's volume is set aside: ${setAside}`);

      // Delete (retainOnDelete false): the cluster's own volumes go, the set-aside one stays.
      kubectl(['delete', 'etcdclusters.etcd.operator.dev', '-n', ns, 'qc', '--wait=true', '--timeout=180s']);
      await waitFor('member volumes gone', () => !kubectl(['get', 'pvc', '-n', ns, 'data-qc-3', '--ignore-not-found', '-o', 'name']).trim(), { timeoutMs: 60_000 });
      assert.ok(kubectl(['get', 'pvc', '-n', ns, 'data-qc-0', '-o', 'name']).trim(), 'the set-aside volume survives Delete');
      kubectl(['delete', 'pvc', '-n', ns, '-l', 'etcd.operator.dev/set-aside=recovery,etcd.operator.dev/cluster=qc']);
    } finally {
      client.destroy();
    }
  });
});
