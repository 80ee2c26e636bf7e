// Backup and restore on the local stack, with the S3 server and with a PVC: 10,000 keys backed up,
// restored into new clusters identical key by key; the stored object's SHA-256 equals the status';
// deleting an EtcdBackup deletes its stored snapshot, and only the one its spec and uid derive; each
// bad input (a member's volume as destination among them) ends in a clear message.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { kubectl, kubectlJson } from '../support/kube.ts';
import { clusterYaml, getCluster, waitAvailable, waitEvent } from '../support/clusters.ts';
import { useOperatorNamespace } from '../support/operator.ts';
import { clientServiceEndpoint } from '../support/writer.ts';
import { backupYaml, bucket, createS3Secret, getBackup, objectDigest, readKeys, valueOf, waitBackupDone, writeKeys } from '../support/backups.ts';
import { waitFor } from '../support/wait.ts';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { repoRoot } from '../support/stack.ts';

const etcdop = (args: string[]) => execFileSync(process.execPath, [`${repoRoot}bin/etcdop.js`, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const KEYS = 10_000;

describe('backup and restore', () => {
  const suite = useOperatorNamespace('e2e-backup');
  let ns: string;
  let secret: string;
  before(async () => {
    ({ ns } = suite);
    secret = createS3Secret(ns);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('src', { size: 3, storage: { size: '128Mi' } }));
    await waitAvailable(ns, 'src');
    await writeKeys(clientServiceEndpoint(ns, 'src'), 'data', KEYS);
  });

  const assertSameKeys = async (cluster: string) => {
    const got = await readKeys(clientServiceEndpoint(ns, cluster), 'data');
    assert.equal(got.size, KEYS, `${cluster} holds every key`);
    for (let i = 0; i < KEYS; i++) assert.equal(got.get(`data/${i}`), valueOf(i), `data/${i}`);
  };

  it('backs up 10,000 keys to S3 and restores them into a new cluster, every key and value identical', { timeout: 600_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('src-s3', { clusterName: 'src', destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } } }));
    const b = await waitBackupDone(ns, 'src-s3');
    assert.equal(b.status?.phase, 'Succeeded', JSON.stringify(b.status));
    assert.match(b.status!.location!, new RegExp(`^s3://${bucket()}/e2e/${ns}/${ns}/src/src-s3-[0-9a-f]{8}\\.db$`));
    const stored = await objectDigest(b.status!.location!);
    assert.deepEqual(stored, { sha256: b.status!.sha256, size: b.status!.sizeBytes }, 'the stored object is what the status says');
    assert.ok(b.status!.revision! >= KEYS, `revision ${b.status!.revision} covers the ${KEYS} writes`);
    assert.match(b.status!.etcdVersion!, /^3\.6\./);

    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('from-s3', { size: 3, storage: { size: '128Mi' }, bootstrap: { backup: { name: 'src-s3' } } }));
    const c = await waitAvailable(ns, 'from-s3', 300_000);
    await assertSameKeys('from-s3');
    const restored = kubectlJson<{ status: { restoredFrom?: { backup?: string; sha256?: string; revision?: number } } }>(['get', 'etcdcluster', '-n', ns, 'from-s3']).status.restoredFrom;
    assert.deepEqual({ backup: restored?.backup, sha256: restored?.sha256, revision: restored?.revision }, { backup: 'src-s3', sha256: b.status!.sha256, revision: b.status!.revision });
    assert.equal(c.status?.members?.length, 3);
    // No helper pod is left behind.
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/helper', '-o', 'name']).trim(), '');
  });

  it('backs up to a PVC (destination from spec.backup) and restores from it', { timeout: 600_000 }, async () => {
    kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '256Mi' } } } }));
    kubectl(['patch', 'etcdcluster', '-n', ns, 'src', '--type=merge', '-p', JSON.stringify({ spec: { backup: { schedule: '0 0 1 1 *', retention: 3, destination: { pvc: { claimName: 'backups', path: 'etcd' } } } } })]);
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('src-pvc', { clusterName: 'src' }));
    const b = await waitBackupDone(ns, 'src-pvc');
    assert.equal(b.status?.phase, 'Succeeded', JSON.stringify(b.status));
    assert.match(b.status!.location!, new RegExp(`^pvc://backups/etcd/${ns}/src/src-pvc-[0-9a-f]{8}\\.db$`));
    // The cluster's default became the backup's own spec.destination: what its deletion goes by.
    assert.deepEqual(kubectlJson<{ spec: { destination?: unknown } }>(['get', 'etcdbackups.etcd.operator.dev', '-n', ns, 'src-pvc']).spec.destination, { pvc: { claimName: 'backups', path: 'etcd' } });

    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('from-pvc', { size: 1, storage: { size: '128Mi' }, bootstrap: { backup: { name: 'src-pvc' } } }));
    await waitAvailable(ns, 'from-pvc', 300_000);
    await assertSameKeys('from-pvc');
  });

  it('deleting an EtcdBackup deletes its stored snapshot; retainOnDelete keeps it', { timeout: 300_000 }, async () => {
    const gone = getBackup(ns, 'src-s3').status!.location!;
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('kept', { clusterName: 'src', retainOnDelete: true, destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } } }));
    const kept = (await waitBackupDone(ns, 'kept')).status!.location!;
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '-n', ns, 'src-s3', 'kept', '--wait=true', '--timeout=120s']);
    assert.equal(await objectDigest(gone), undefined, `${gone} deleted with its EtcdBackup`);
    assert.ok(await objectDigest(kept), `${kept} kept (retainOnDelete)`);
  });

  it('deleting an EtcdBackup whose status.location was changed to another object\'s deletes nothing: a Warning says why, the object goes', { timeout: 300_000 }, async () => {
    const dest = { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } };
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('victim', { clusterName: 'src', destination: dest }));
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('forged', { clusterName: 'src', destination: dest }));
    const victim = (await waitBackupDone(ns, 'victim')).status!.location!;
    const own = (await waitBackupDone(ns, 'forged')).status!.location!;
    // Anyone allowed to write the status subresource can point status.location anywhere.
    kubectl(['patch', 'etcdbackups.etcd.operator.dev', '-n', ns, 'forged', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { location: victim } })]);
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '-n', ns, 'forged', '--wait=true', '--timeout=120s']);
    assert.ok(await objectDigest(victim), `${victim} (another backup's) is still there`);
    assert.ok(await objectDigest(own), `${own} (its own, not what its status said) is untouched too`);
    const events = kubectl(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=forged,reason=SnapshotNotDeleted,type=Warning', '-o', 'jsonpath={.items[*].message}']);
    assert.ok(events.includes(`status.location ${victim} is not where this backup's spec and uid put its snapshot (${own})`), events);
  });

  it('bad inputs end in a clear message and start nothing', { timeout: 600_000 }, async () => {
    const failed = async (name: string, spec: Record<string, unknown>, message: RegExp) => {
      kubectl(['apply', '-n', ns, '-f', '-'], backupYaml(name, spec));
      const b = await waitBackupDone(ns, name);
      assert.equal(b.status?.phase, 'Failed');
      assert.match(b.status?.conditions?.[0]?.message ?? '', message);
      await waitEvent(ns, name, 'BackupFailed', message);
    };
    await failed('no-secret', { clusterName: 'src', destination: { s3: { bucket: bucket(), credentialsSecret: 'missing' } } }, /credentials Secret .*missing not found/);
    kubectl(['create', 'secret', 'generic', 'half', '-n', ns, '--from-literal=accessKeyId=x']);
    await failed('half-secret', { clusterName: 'src', destination: { s3: { bucket: bucket(), credentialsSecret: 'half' } } }, /has no secretAccessKey/);
    kubectl(['create', 'secret', 'generic', 'wrong', '-n', ns, `--from-literal=accessKeyId=${process.env.AWS_ACCESS_KEY_ID}`, '--from-literal=secretAccessKey=not-the-key']);
    await failed('wrong-secret', { clusterName: 'src', destination: { s3: { bucket: bucket(), credentialsSecret: 'wrong' } } }, /secret access key is wrong|access denied/);
    await failed('no-bucket', { clusterName: 'src', destination: { s3: { bucket: 'no-such-bucket-here', credentialsSecret: secret } } }, /bucket does not exist/);
    await failed('no-cluster', { clusterName: 'nope', destination: { s3: { bucket: bucket(), credentialsSecret: secret } } }, /EtcdCluster .*nope does not exist/);

    // A member's data volume (any cluster's) is never a backup destination: refused before anything is written.
    await failed('onto-member', { clusterName: 'src', destination: { pvc: { claimName: 'data-src-0' } } }, /PersistentVolumeClaim .*data-src-0 is the data volume of etcd member src-0 of EtcdCluster src: a backup is never written onto an etcd member's volume/);
    const uid8 = getBackup(ns, 'onto-member').metadata.uid.slice(0, 8);
    assert.equal(kubectl(['get', 'events', '-n', ns, '--field-selector', `involvedObject.kind=Pod,involvedObject.name=etcdbackup-${uid8}-receive`, '-o', 'name']).trim(), '', 'no receiver pod was ever made');
    await failed('no-claim', { clusterName: 'src', destination: { pvc: { claimName: 'nope' } } }, /PersistentVolumeClaim .*nope does not exist/);

    // A snapshot whose hash does not match: Create fails before any member starts.
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('good', { clusterName: 'src', destination: { s3: { bucket: bucket(), prefix: `e2e/${ns}/`, credentialsSecret: secret } } }));
    const loc = (await waitBackupDone(ns, 'good')).status!.location!.replace(`s3://${bucket()}/`, '');
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('corrupt', { size: 1, storage: { size: '64Mi' }, bootstrap: { backup: { s3: { bucket: bucket(), key: loc, credentialsSecret: secret, sha256: '0'.repeat(64) } } } }));
    const c = await waitFor('Create of corrupt failed', () => {
      const x = getCluster(ns, 'corrupt');
      return x.status?.conditions?.some((k) => k.type === 'Degraded' && k.status === 'True' && /corrupt or truncated/.test(k.message ?? '')) && x;
    }, { timeoutMs: 120_000, intervalMs: 1000 });
    assert.ok(c);
    // Its restore pod and its member's pod, made beside the check, were never sent a byte or ran
    // etcd (the member's waited at its join gate), and do not stay waiting.
    await waitFor('the pods made beside the check of the corrupt snapshot deleted', () => kubectl(['get', 'pods', '-n', ns, '--ignore-not-found', '-o', 'name', 'corrupt-0-restore', 'corrupt-0']).trim() === '', { timeoutMs: 60_000, intervalMs: 1000 });
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=corrupt', '-o', 'name']).trim(), '', 'no member pod of a cluster whose snapshot failed verification');
    const started = kubectlJson<{ items: { message?: string }[] }>(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.kind=Pod,involvedObject.name=corrupt-0,reason=Started']).items.map((e) => e.message ?? '');
    assert.ok(!started.some((m) => /container etcd\b/.test(m)), `etcd never started in corrupt-0: ${started.join('; ')}`);

    // A 3.6 snapshot into a 3.5 cluster would be a downgrade: refused before anything starts.
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('older', { size: 1, version: '3.5.35', storage: { size: '64Mi' }, bootstrap: { backup: { name: 'good' } } }));
    await waitFor('Create of older refused', () => getCluster(ns, 'older').status?.conditions?.some((k) => k.type === 'Degraded' && /newer than the cluster's 3\.5\.35 \(etcd does not support downgrades\)/.test(k.message ?? '')), { timeoutMs: 120_000, intervalMs: 1000 });
    assert.equal(kubectl(['get', 'pods', '-n', ns, '-l', 'etcd.operator.dev/cluster=older', '-o', 'name']).trim(), '');
  });

  it('etcdop backup --wait and backups list; no credential in any backup workflow history or the operator log', { timeout: 300_000 }, async () => {
    const out = JSON.parse(etcdop(['backup', 'src', '-n', ns, '--name', 'cli-1', '--s3-bucket', bucket(), '--credentials-secret', secret, '--wait', '-o', 'json'])) as { phase: string; location: string };
    assert.equal(out.phase, 'Succeeded');
    const listed = JSON.parse(etcdop(['backups', 'list', '-n', ns, '-c', 'src', '-o', 'json'])) as { name: string; phase: string }[];
    assert.ok(listed.some((b) => b.name === 'cli-1' && b.phase === 'Succeeded'));
    assert.throws(() => etcdop(['backup', 'nope', '-n', ns]), /EtcdCluster .*nope not found/);
    const watched = etcdop(['backup', 'src', '-n', ns, '--name', 'cli-2', '--s3-bucket', bucket(), '--credentials-secret', secret, '--watch']).trim().split('\n');
    assert.match(watched[0]!, new RegExp(`^\\[\\d+s\\] etcdbackup ${ns}/cli-2 (Pending|Running)`), `--watch prints the phase as it goes: ${watched.join(' | ')}`);
    assert.match(watched.at(-1)!, new RegExp(`^etcdbackup ${ns}/cli-2 Succeeded s3://`), `then the outcome: ${watched.join(' | ')}`);

    const secretValue = process.env.AWS_SECRET_ACCESS_KEY!;
    const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
    try {
      const client = new Client({ connection });
      let scanned = 0;
      for await (const w of client.workflow.list({ query: `TaskQueue = '${suite.operator.taskQueue}'` })) {
        const history = JSON.stringify(await client.workflow.getHandle(w.workflowId, w.runId).fetchHistory());
        assert.ok(!history.includes(secretValue), `${w.workflowId} holds no credential`);
        scanned++;
      }
      assert.ok(scanned >= 10, `scanned ${scanned} histories`);
    } finally {
      await connection.close();
    }
    assert.ok(!readFileSync(suite.operator.logFile, 'utf8').includes(secretValue), 'the operator log holds no credential');
  });
});
