// Backup and restore pure parts: the API schemas, the watcher's plan, version skew, run names,
// schedule specs and the helper pods' manifests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdBackupSpecSchema } from '../../k8s/backup-spec.ts';
import { validateClusterSpec } from '../../k8s/cluster-spec.ts';
import { restorePod, restorePodSha256, snapshotReceiverPod, transferNetworkPolicy, transferPathFor, transferPathOf, transferSecret, transferSecretName, transferSecretOf, HELPER_POD_LABEL, HELPER_PORT, TRANSFER_ANNOTATION, type TransferPath } from '../../k8s/manifests/backup-pods.ts';
import { planBackup } from '../../client/backup-watcher.ts';
import { verifiedStream, versionSkew } from '../../activities/backups/restore.ts';
import { scheduleSpecOf } from '../../activities/backups/schedule.ts';
import { deletionRefusal, memberVolumeOf, ownLocation, parsePvcLocation, pvcLocation, snapshotFileName } from '../../activities/backups/backup.ts';
import { chooseSnapshotMember, type MemberProbe } from '../../activities/etcd/snapshot.ts';
import { ApplicationFailure } from '@temporalio/common';
import type { V1Container, V1ObjectMeta } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { memberLabels, ownerReference } from '../../k8s/manifests/owner.ts';
import { parseS3Location } from '../../activities/backups/s3.ts';
import { runSuffix } from '../../workflows/backup.ts';
import { FINALIZER } from '../../k8s/api.ts';

const s3 = { bucket: 'etcd-backups', credentialsSecret: 's3-creds' };
const owner = { apiVersion: 'etcd.operator.dev/v1alpha1', kind: 'EtcdBackup', name: 'b', uid: 'u' };

describe('EtcdBackup spec', () => {
  const errors = (spec: unknown) => { const r = EtcdBackupSpecSchema.safeParse(spec); return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`); };
  it('accepts an S3 or a PVC destination, or none (the cluster\'s default)', () => {
    assert.deepEqual(errors({ clusterName: 'db', destination: { s3 } }), []);
    assert.deepEqual(errors({ clusterName: 'db', destination: { pvc: { claimName: 'backups', path: 'etcd/prod' } } }), []);
    assert.deepEqual(errors({ clusterName: 'db' }), []);
  });
  it('refuses both or neither destination, bad names, bad paths', () => {
    assert.match(errors({ clusterName: 'db', destination: { s3, pvc: { claimName: 'x' } } }).join(), /exactly one of s3 or pvc/);
    assert.match(errors({ clusterName: 'db', destination: {} }).join(), /exactly one of s3 or pvc/);
    assert.match(errors({ clusterName: 'DB' }).join(), /clusterName: must be a Kubernetes object name/);
    assert.match(errors({ clusterName: 'db', destination: { pvc: { claimName: 'x', path: '../etc' } } }).join(), /path: must be a relative path/);
    assert.match(errors({ clusterName: 'db', destination: { pvc: { claimName: 'x', path: '/abs' } } }).join(), /path: must be a relative path/);
    assert.match(errors({ clusterName: 'db', destination: { s3: { ...s3, bucket: 'A' } } }).join(), /bucket name/);
  });
});

describe('EtcdCluster backup, bootstrap and recovery fields', () => {
  const msgs = (spec: unknown) => { const v = validateClusterSpec(spec); return v.ok ? [] : v.errors.map((e) => `${e.field}: ${e.message}`); };
  it('defaults: recovery Manual, retention 7', () => {
    const v = validateClusterSpec({ backup: { schedule: '@hourly', destination: { s3 } } });
    assert.ok(v.ok);
    assert.equal(v.spec.recovery.policy, 'Manual');
    assert.equal(v.spec.backup?.retention, 7);
  });
  it('refuses a bad schedule, retention 0, two bootstrap sources, bootstrap with emptyDir', () => {
    assert.match(msgs({ backup: { schedule: 'often', destination: { s3 } } }).join(), /spec.backup.schedule: must be a cron expression/);
    assert.match(msgs({ backup: { schedule: '* * * * *', retention: 0, destination: { s3 } } }).join(), /retention: must be an integer of at least 1/);
    assert.match(msgs({ bootstrap: { backup: { name: 'b', s3: { ...s3, key: 'k' } } } }).join(), /exactly one of name or s3/);
    assert.match(msgs({ storage: { emptyDir: true }, bootstrap: { backup: { name: 'b' } } }).join(), /spec.bootstrap needs PVC storage/);
    assert.match(msgs({ recovery: { policy: 'Auto' } }).join(), /must be Manual or RestoreLatestBackup/);
  });
});

describe('backup watcher plan', () => {
  const obj = (o: { phase?: string; deleting?: boolean; finalizer?: boolean }) => ({
    metadata: { name: 'b', namespace: 'n', uid: 'u', ...(o.deleting && { deletionTimestamp: new Date() }), finalizers: o.finalizer ? [FINALIZER] : [] },
    status: o.phase ? { phase: o.phase as 'Running' } : undefined,
  });
  it('a new or running backup runs; a finished one does nothing; a deleted one with our finalizer is cleaned up', () => {
    assert.equal(planBackup(obj({})).kind, 'backup');
    assert.equal(planBackup(obj({ phase: 'Running' })).kind, 'backup');
    assert.equal(planBackup(obj({ phase: 'Succeeded' })).kind, 'none');
    assert.equal(planBackup(obj({ phase: 'Failed' })).kind, 'none');
    assert.equal(planBackup(obj({ phase: 'Succeeded', deleting: true, finalizer: true })).kind, 'delete');
    assert.equal(planBackup(obj({ deleting: true })).kind, 'none');
  });
});

describe('restore version skew', () => {
  for (const [from, to, ok] of [['3.5.35', '3.6.16', true], ['3.6.16', '3.6.16', true], ['3.6.16', '3.5.35', false], ['2.3.8', '3.5.35', false], [undefined, '3.6.16', true]] as const) {
    it(`${from ?? 'unknown'} -> ${to}: ${ok ? 'allowed' : 'refused'}`, () => assert.equal(versionSkew(from, to) === undefined, ok));
  }
  it('names the rule', () => {
    assert.match(versionSkew('3.6.16', '3.5.35')!, /downgrades/);
    assert.match(versionSkew('2.3.8', '3.5.35')!, /another major version/);
  });
});

describe('names and locations', () => {
  it('a scheduled run is named by its scheduled time', () => {
    assert.equal(runSuffix('etcdcluster-u/scheduled-backup-2026-11-25T10:00:30Z', new Date(0)), '20261125-100030');
    assert.equal(runSuffix('other', new Date('2026-01-02T03:04:05.678Z')), '20260102-030405');
  });
  it('snapshot files are fixed per backup (a retry writes the same one)', () => {
    assert.equal(snapshotFileName({ namespace: 'ns', name: 'b1', uid: '0123456789ab' }, 'db'), 'ns/db/b1-01234567.db');
    assert.deepEqual(parsePvcLocation(pvcLocation('backups', 'etcd/ns/db/b1.db')), { claimName: 'backups', file: 'etcd/ns/db/b1.db' });
    assert.deepEqual(parseS3Location('s3://bkt/a/b.db'), { bucket: 'bkt', key: 'a/b.db' });
    assert.equal(parseS3Location('pvc://x/y'), undefined);
  });
  it('@every is an interval, anything else cron', () => {
    assert.deepEqual(scheduleSpecOf('@every 30s'), { intervals: [{ every: '30s' }] });
    assert.deepEqual(scheduleSpecOf('0 */6 * * *'), { cronExpressions: ['0 */6 * * *'] });
  });
});

describe('helper pods', () => {
  const receiver = (transfer: TransferPath = 'port-forward') => snapshotReceiverPod({ namespace: 'n', name: 'r', owner, claimName: 'backups', file: 'etcd/x; rm -rf /', toolsImage: 'busybox', transfer });
  const streamRestore = (transfer: TransferPath = 'port-forward') => restorePod({ namespace: 'n', name: 'db-0-restore', owner, dataClaim: 'data-db-0', source: { stream: true, transfer }, sha256: 'f'.repeat(64), toolsImage: 'busybox', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://db-0.db.n.svc:2380', token: 'uid', peerURL: 'http://db-0.db.n.svc:2380' } });

  it('a restore pod says which snapshot it restores (a leftover of another one is never taken as done)', () => {
    assert.equal(restorePodSha256(streamRestore()), 'f'.repeat(64));
    assert.equal(restorePodSha256(receiver()), undefined);
  });

  it('the receiver writes to .part and renames after reporting its hash; values reach the script as env, not text', () => {
    const pod = receiver();
    const c = pod.spec!.containers[0]!;
    assert.equal(pod.spec!.restartPolicy, 'Never');
    assert.ok(!c.command!.join(' ').includes('rm -rf /'), 'the file name is not spliced into the script');
    assert.deepEqual(c.env!.find((e) => e.name === 'FILE'), { name: 'FILE', value: 'etcd/x; rm -rf /' });
    assert.match(c.command![2]!, /receive "\$f\.part"\n.*\$f\.part\.sha256.*termination-log\nrm -f "\$f\.part\.sha256"\nmv/s);
    assert.equal(pod.metadata!.labels!['app.kubernetes.io/name'], undefined, 'never selected as a member');
  });
  // The receiver hashes what it writes; a restore pod takes a length line, then the bytes (the operator hashed them).
  for (const [what, pod, take] of [
    ['the backup receiver', receiver, / tee "\$0" \| sha256sum > "\$0\.sha256"/],
    ['a restore pod fed a stream', streamRestore, / IFS= read -r -t 30 n; echo "\$n" > "\$0\.size"; case "\$n" in ""\|\*\[!0-9\]\*\) exit 3;; esac; dd bs=1M iflag=fullblock,count_bytes count="\$n" of="\$0"/],
  ] as const) {
    it(`${what} takes bytes only after the transfer token of its own Secret, and exposes no port`, () => {
      const p = pod('port-forward');
      const c = [...(p.spec!.initContainers ?? []), ...p.spec!.containers][0]!;
      const script = c.command![2]!;
      // The token line is read and compared before anything is written; a mismatch exits 9 (the listener waits again).
      // A failed write fails the pipeline.
      assert.match(script, new RegExp(/IFS= read -r -t 30 t && \[ "\$t" = "\$\(cat "\$TOKEN_FILE"\)" \] \|\| exit 9; echo ok; set -o pipefail;/.source + take.source));
      assert.ok(!c.ports?.length, 'no container port: nothing to list for Services');
      assert.equal(transferSecretOf(p), transferSecretName(p.metadata!.name!));
      const mount = c.volumeMounts!.find((m) => m.name === 'transfer')!;
      assert.equal(mount.readOnly, true);
      assert.equal(c.env!.find((e) => e.name === 'TOKEN_FILE')!.value, `${mount.mountPath}/token`);
      assert.equal(p.metadata!.labels![HELPER_POD_LABEL], p.metadata!.name);
    });
  }
  it('the transfer Secret and NetworkPolicy are named after the pod, owned like it; the policy isolates the pod', () => {
    const p = receiver();
    const secret = transferSecret(p, 'abc');
    assert.equal(secret.metadata!.name, 'r-transfer');
    assert.deepEqual(secret.metadata!.ownerReferences, [owner]);
    assert.equal(Buffer.from(secret.data!.token!, 'base64').toString(), 'abc');
    const np = transferNetworkPolicy(p);
    assert.deepEqual(np.spec, { podSelector: { matchLabels: { [HELPER_POD_LABEL]: 'r' } }, policyTypes: ['Ingress', 'Egress'] }, 'no rule: nothing in, nothing out');
    assert.deepEqual(np.metadata!.ownerReferences, [owner]);
  });
  it('a cluster without TLS streams over the pod network, a TLS cluster through port-forward; the pod says which, and its policy admits the transfer port only for the first', () => {
    assert.equal(transferPathFor(false), 'pod-network');
    assert.equal(transferPathFor(true), 'port-forward');
    for (const make of [receiver, streamRestore]) {
      const direct = make('pod-network');
      assert.equal(direct.metadata!.annotations![TRANSFER_ANNOTATION], 'pod-network');
      assert.equal(transferPathOf(direct), 'pod-network');
      assert.deepEqual(transferNetworkPolicy(direct).spec!.ingress, [{ ports: [{ protocol: 'TCP', port: HELPER_PORT }] }], 'in: the transfer port only; out: nothing');
      assert.deepEqual(transferNetworkPolicy(direct).spec!.policyTypes, ['Ingress', 'Egress']);
      const tunnelled = make('port-forward');
      assert.equal(transferPathOf(tunnelled), 'port-forward');
      assert.equal(transferNetworkPolicy(tunnelled).spec!.ingress, undefined, 'nothing in: the stream arrives on the pod loopback');
    }
    // A receiving pod made before the annotation existed keeps the way it was made for.
    const old = receiver('pod-network');
    delete old.metadata!.annotations;
    assert.equal(transferPathOf(old), 'port-forward');
  });
  it('a restore pod from a backup claim needs no transfer Secret', () => {
    const pod = restorePod({ namespace: 'n', name: 'db-0-restore', owner, dataClaim: 'data-db-0', source: { claimName: 'backups', file: 'a.db' }, sha256: 'f'.repeat(64), toolsImage: 'busybox', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://db-0.db.n.svc:2380', token: 'uid', peerURL: 'http://db-0.db.n.svc:2380' } });
    assert.equal(transferSecretOf(pod), undefined);
    assert.ok(!pod.spec!.initContainers![0]!.command![2]!.includes('nc -l'));
  });
  it('the restore pod verifies the hash before etcdutl restores, with the member\'s own flags', () => {
    const pod = restorePod({ namespace: 'n', name: 'db-0-restore', owner, dataClaim: 'data-db-0', source: { claimName: 'backups', file: 'a.db' }, sha256: 'f'.repeat(64), toolsImage: 'busybox', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://db-0.db.n.svc:2380', token: 'uid', peerURL: 'http://db-0.db.n.svc:2380' } });
    const [fetch] = pod.spec!.initContainers!;
    const [restore] = pod.spec!.containers;
    assert.match(fetch!.command![2]!, /sha256sum[\s\S]*mismatch/);
    assert.deepEqual(restore!.command!.slice(0, 3), ['/usr/local/bin/etcdutl', 'snapshot', 'restore']);
    assert.ok(restore!.command!.includes('--name=db-0'));
    assert.ok(restore!.command!.includes('--initial-cluster-token=uid'));
    assert.ok(pod.spec!.volumes!.some((v) => v.persistentVolumeClaim?.claimName === 'backups' && v.persistentVolumeClaim.readOnly));
  });
  it('a restore pod keeps the snapshot in a scratch emptyDir, not on the member\'s volume, and needs no cleanup step', () => {
    const pod = streamRestore();
    assert.deepEqual(pod.spec!.containers.map((c) => c.name), ['restore'], 'etcdutl is the last step');
    const snapshot = pod.spec!.initContainers![0]!.env!.find((e) => e.name === 'SNAPSHOT')!.value!;
    const scratch = pod.spec!.volumes!.find((v) => v.emptyDir)!;
    const mountOf = (c: V1Container, name: string) => c.volumeMounts!.find((m) => m.name === name)!;
    assert.ok(snapshot.startsWith(`${mountOf(pod.spec!.initContainers![0]!, scratch.name).mountPath}/`));
    assert.ok(pod.spec!.containers[0]!.command!.includes(snapshot));
    assert.equal(mountOf(pod.spec!.containers[0]!, scratch.name).readOnly, true);
  });
  it('a restore pod fed a stream refuses a short or unlabelled stream before etcdutl runs', () => {
    const script = streamRestore().spec!.initContainers![0]!.command![2]!;
    assert.match(script, /receive_sized "\$SNAPSHOT"\n/);
    assert.match(script, /without a length[^\n]*exit 3/);
    assert.match(script, /if \[ "\$got" != "\$want" \]; then echo "snapshot truncated[^\n]*exit 3; fi/);
  });
});

describe('the stream a restore pod is fed', () => {
  const bytes = Buffer.from('a snapshot of some bytes, in three chunks');
  const chunks = [bytes.subarray(0, 10), bytes.subarray(10, 20), bytes.subarray(20)];
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const source = { location: 's3://b/k', sha256 };
  async function collect(length: number | undefined, want = source): Promise<{ out: Buffer[]; err?: unknown }> {
    const out: Buffer[] = [];
    try {
      for await (const b of verifiedStream((async function* () { yield* chunks; })(), length, want)) out.push(b);
      return { out };
    } catch (err) {
      return { out, err };
    }
  }
  it('a length line first, then every byte as stored', async () => {
    const { out, err } = await collect(bytes.length);
    assert.equal(err, undefined);
    assert.equal(out[0]!.toString(), `${bytes.length}\n`);
    assert.deepEqual(Buffer.concat(out.slice(1)), bytes);
  });
  it('a changed object ends short: the last chunk is held back, and the failure says ChecksumMismatch (non-retryable)', async () => {
    const { out, err } = await collect(bytes.length, { ...source, sha256: '0'.repeat(64) });
    assert.equal(Buffer.concat(out.slice(1)).length, bytes.length - chunks[2]!.length, 'the pod never gets the whole length');
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'ChecksumMismatch');
    assert.equal(err.nonRetryable, true);
  });
  it('an object longer or shorter than its stated length fails the same way', async () => {
    const { err } = await collect(bytes.length + 1);
    assert.equal((err as ApplicationFailure).type, 'ChecksumMismatch');
  });
  it('no length from the S3 server: nothing is sent, and the failure is retried', async () => {
    const { out, err } = await collect(undefined);
    assert.equal(out.length, 0);
    assert.equal((err as ApplicationFailure).nonRetryable, false);
  });
});

describe('choosing the member to snapshot', () => {
  /** Members as the probe sees them: revision of a linearizable read, or undefined when that read fails (no quorum); down: no answer at all. */
  const probe = (members: Record<string, { revision?: number; down?: boolean }>): MemberProbe => ({
    status: async (endpoint) => { if (members[endpoint]!.down) throw new Error('unavailable'); return { version: '3.6.16' }; },
    quorumRead: async (endpoint) => {
      const m = members[endpoint]!;
      if (m.down || m.revision === undefined) throw new Error('etcdserver: request timed out');
      return m.revision;
    },
  });
  const endpoints = (names: string[]) => new Map(names.map((n) => [n, n]));
  const failure = async (p: Promise<unknown>) => { try { await p; } catch (err) { return err as ApplicationFailure; } assert.fail('expected a failure'); };

  it('picks the member in quorum with the highest revision', async () => {
    const chosen = await chooseSnapshotMember(endpoints(['db-0', 'db-1', 'db-2']), probe({ 'db-0': { revision: 10 }, 'db-1': { revision: 12 }, 'db-2': { revision: 11 } }));
    assert.deepEqual(chosen, { member: 'db-1', endpoint: 'db-1', revision: 12, version: '3.6.16' });
  });
  it('never picks a member that answers but cannot read in quorum (partitioned), whatever revision it has', async () => {
    const chosen = await chooseSnapshotMember(endpoints(['db-0', 'db-1', 'db-2']), probe({ 'db-0': {}, 'db-1': { revision: 12 }, 'db-2': { down: true } }));
    assert.equal(chosen.member, 'db-1');
  });
  it('fails retryably (NoQuorum) when members answer but none is in quorum: nothing is snapshotted', async () => {
    const err = await failure(chooseSnapshotMember(endpoints(['db-0', 'db-1', 'db-2']), probe({ 'db-0': {}, 'db-1': { down: true }, 'db-2': { down: true } }), 'ns/db'));
    assert.equal(err.type, 'NoQuorum');
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /no member of ns\/db is part of a quorum .*through db-0/);
  });
  it('fails retryably (NoMember) when no member answers or none runs', async () => {
    assert.equal((await failure(chooseSnapshotMember(endpoints(['db-0']), probe({ 'db-0': { down: true } })))).type, 'NoMember');
    assert.equal((await failure(chooseSnapshotMember(new Map(), probe({})))).type, 'NoMember');
  });
});

describe('what deleting a backup may delete', () => {
  const key = { namespace: 'ns', name: 'b1', uid: '0123456789ab-cdef' };
  const s3spec = { clusterName: 'db', destination: { s3: { bucket: 'bkt', prefix: 'prod/', credentialsSecret: 'c' } } };
  const pvcSpec = { clusterName: 'db', destination: { pvc: { claimName: 'backups', path: 'etcd' } } };
  it('the location the spec and uid derive, as takeSnapshot writes it', () => {
    assert.equal(ownLocation(key, s3spec), 's3://bkt/prod/ns/db/b1-01234567.db');
    assert.equal(ownLocation(key, pvcSpec), 'pvc://backups/etcd/ns/db/b1-01234567.db');
    assert.equal(ownLocation(key, { clusterName: 'db' }), undefined);
  });
  for (const [what, spec, location, ok] of [
    ['its own S3 object', s3spec, 's3://bkt/prod/ns/db/b1-01234567.db', true],
    ['its own PVC file', pvcSpec, 'pvc://backups/etcd/ns/db/b1-01234567.db', true],
    ['another backup\'s object in the same bucket', s3spec, 's3://bkt/prod/ns/db/b2-89abcdef.db', false],
    ['another bucket', s3spec, 's3://other/prod/ns/db/b1-01234567.db', false],
    ['a path outside its directory', pvcSpec, 'pvc://backups/etcd/ns/db/../../../x.db', false],
    ['another claim', pvcSpec, 'pvc://data-db-0/etcd/ns/db/b1-01234567.db', false],
    ['anything, without spec.destination', { clusterName: 'db' }, 's3://bkt/prod/ns/db/b1-01234567.db', false],
  ] as const) {
    it(`${ok ? 'deletes' : 'refuses'} ${what}`, () => {
      const why = deletionRefusal(key, spec, location);
      assert.equal(why === undefined, ok, why);
      if (!ok) assert.match(why!, /stored data is left as it is/);
    });
  }
});

describe('a backup destination that is a member\'s data volume', () => {
  const cluster = { name: 'db', uid: 'u1' };
  for (const [what, meta, clusters, refused] of [
    ['a member volume (labels and owner)', { name: 'data-db-0', labels: memberLabels('db', 'db-0', 'u1'), ownerReferences: [ownerReference(cluster)] }, [], /the data volume of etcd member db-0 of EtcdCluster db/],
    ['a kept volume (labels, no owner)', { name: 'data-db-3', labels: memberLabels('db', 'db-3', 'u1') }, [], /etcd member db-3/],
    ['a volume owned by an EtcdCluster', { name: 'x', ownerReferences: [ownerReference(cluster)] }, [], /a data volume of EtcdCluster db/],
    ['a volume with a cluster-uid label only', { name: 'x', labels: { 'etcd.operator.dev/cluster-uid': 'u1' } }, [], /a data volume of an EtcdCluster/],
    ['an unlabelled volume named as a member\'s of a cluster here', { name: 'data-db-7' }, ['db'], /named as the data volume of etcd member db-7 of EtcdCluster db/],
    ['a backup volume', { name: 'backups' }, ['db'], undefined],
    ['a volume named data-* of no cluster here', { name: 'data-archive-1' }, ['db'], undefined],
  ] as const) {
    it(`${refused ? 'refuses' : 'accepts'} ${what}`, () => {
      const why = memberVolumeOf(meta as V1ObjectMeta, clusters);
      if (refused) assert.match(why ?? '', refused);
      else assert.equal(why, undefined);
    });
  }
});
