// Status and Event text fits what the API server accepts. `bounded` cuts at a UTF-8 byte budget on a
// character boundary; a 9-member recovery of a cluster with a 50-character name (steps listing 9
// members, messages listing 9 volumes and the skipped backups) goes through the real status
// activities and Kube client, and every status patch body is checked against the generated CRD's
// schema (maxLength in characters, as the API server counts) and every Event message against 1024 bytes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig, type CoreV1Event } from '@kubernetes/client-node';
import { Kube } from '../../k8s/kube-client.ts';
import { statusActivities } from '../../activities/kube/status.ts';
import { backupActivities } from '../../activities/backups/backup.ts';
import { userActivities } from '../../activities/etcd/users.ts';
import { etcdBackupCrd, etcdClusterCrd, etcdUserCrd } from '../../k8s/crd.ts';
import { bounded, EVENT_MESSAGE_MAX, TRUNCATED, utf8Length } from '../../k8s/status-text.ts';
import type { JSONSchemaProps } from '../../k8s/structural-schema.ts';
import { planNext } from '../../workflows/reconcile-planner.ts';
import { memberIndex } from '../../domain/members.ts';
import type { ClusterKey, ClusterObservation, ObservedMember } from '../../domain/types.ts';

describe('bounded', () => {
  const cases: { name: string; text: string; max: number; want?: string }[] = [
    { name: 'text that fits is unchanged', text: 'Recover: WaitQuorum', max: 256, want: 'Recover: WaitQuorum' },
    { name: 'text of exactly the budget is unchanged', text: 'x'.repeat(256), max: 256, want: 'x'.repeat(256) },
    { name: 'ASCII one byte over is cut, with the marker', text: 'x'.repeat(257), max: 256, want: 'x'.repeat(256 - utf8Length(TRUNCATED)) + TRUNCATED },
    { name: 'two-byte characters are never split', text: 'é'.repeat(200), max: 256 },
    { name: 'three-byte characters are never split', text: '成员'.repeat(100), max: 256 },
    { name: 'surrogate pairs (4 bytes) are never split', text: '😀'.repeat(100), max: 255 },
    { name: 'mixed text', text: `member ${'ä😀x'.repeat(300)}`, max: 1024 },
    { name: 'a budget too small for the marker cuts without it', text: 'abcdefghijklmnopqrstuvwxyz', max: 10, want: 'abcdefghij' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = bounded(c.text, c.max);
      if (c.want !== undefined) assert.equal(got, c.want);
      assert.ok(utf8Length(got) <= c.max, `${utf8Length(got)} bytes > ${c.max}`);
      assert.equal(utf8Length(got), Buffer.byteLength(got, 'utf8'));
      // A prefix of whole characters: nothing decodes to U+FFFD, and the kept part is the text's start.
      const kept = got.endsWith(TRUNCATED) && got !== c.text ? got.slice(0, -TRUNCATED.length) : got;
      assert.ok(c.text.startsWith(kept));
      assert.ok(!Buffer.from(got, 'utf8').toString('utf8').includes('\uFFFD'));
      if (got !== c.text && c.max >= 2 * utf8Length(TRUNCATED)) {
        assert.ok(got.endsWith(TRUNCATED));
        // As long as possible: one more character would not fit.
        const next = [...c.text.slice(kept.length)][0]!;
        assert.ok(utf8Length(kept + next + TRUNCATED) > c.max);
      }
    });
  }
});

/** What the API server would refuse in `value` under the CRD `schema` (maxLength counts characters, as Go's validator does). */
function violations(value: unknown, schema: JSONSchemaProps, path = ''): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'string') {
    const out: string[] = [];
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) out.push(`${path}: ${[...value].length} characters > maxLength ${schema.maxLength}`);
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) out.push(`${path}: does not match ${schema.pattern}`);
    if (schema.enum && !schema.enum.includes(value)) out.push(`${path}: not one of ${schema.enum.join(', ')}`);
    return out;
  }
  if (Array.isArray(value)) {
    const out = schema.maxItems !== undefined && value.length > schema.maxItems ? [`${path}: ${value.length} items > maxItems ${schema.maxItems}`] : [];
    return [...out, ...value.flatMap((v, i) => violations(v, schema.items ?? {}, `${path}[${i}]`))];
  }
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const field = schema.properties?.[k] ?? schema.additionalProperties;
      if (!field && !schema['x-kubernetes-preserve-unknown-fields']) return [`${path}.${k}: unknown field`];
      return violations(v, field ?? {}, `${path}.${k}`);
    });
  }
  return [];
}

const statusSchema = (crd: { spec: { versions: { schema?: { openAPIV3Schema?: JSONSchemaProps } }[] } }) =>
  crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.status!;

/** A Kube whose API calls are recorded instead of sent: `objects` answers reads, patches merge status into them. */
function recordingKube(objects: Record<string, { metadata: Record<string, unknown>; status?: Record<string, unknown> }>) {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
  const kube = new Kube(kc);
  const statusPatches: { plural: string; status: Record<string, unknown> }[] = [];
  const events: CoreV1Event[] = [];
  Object.assign(kube, {
    custom: {
      getNamespacedCustomObject: async ({ name }: { name: string }) => structuredClone(objects[name]),
      patchNamespacedCustomObjectStatus: async ({ plural, name, body }: { plural: string; name: string; body: { status: Record<string, unknown> } }) => {
        statusPatches.push({ plural, status: body.status });
        const obj = objects[name]!;
        obj.status = { ...obj.status, ...body.status };
      },
    },
    core: { createNamespacedEvent: async ({ body }: { body: CoreV1Event }) => { events.push(body); } },
  });
  return { kube, statusPatches, events };
}

describe('a 9-member recovery of a cluster with a 50-character name fits every status write and Event', () => {
  const NAME = 'payments-ledger-eu-west-1-production-primary-ab12c';
  assert.equal(NAME.length, 50);
  const key: ClusterKey = { namespace: 'team-payments-production', name: NAME, uid: '7c0e1f6a-3b1d-4c1e-9d7e-2f5a6b8c9d0e' };
  const oldMembers = Array.from({ length: 9 }, (_, i) => `${NAME}-${i}`);
  const fresh = Array.from({ length: 9 }, (_, i) => `${NAME}-${i + 9}`);
  const member = (name: string): ObservedMember => ({ name, id: (0x100 + memberIndex(NAME, name)!).toString(16), peerURL: `http://${name}.${NAME}.${key.namespace}.svc:2380`, learner: false, started: true, healthy: false, leader: false });
  const obs: ClusterObservation = {
    reachable: true, quorum: false, members: oldMembers.map(member),
    pods: oldMembers.slice(5).map((name) => ({ name, uid: `${name}-uid`, phase: 'Running', ready: false, terminating: false, restarts: 0, crashLooping: false })),
    volumes: oldMembers.slice(5), highestIndex: 8, bootstrapped: true,
  };
  const decision = planNext(NAME, { size: 9, emptyDir: false }, obs);
  assert.equal(decision.kind, 'recover');
  const reason = decision.reason;
  // As workflows/cluster.ts, recover.ts and restore-steps.ts build them.
  const how = `restore every member from the latest backup with: etcdop approve ${NAME} -n ${key.namespace} (or the approveRecovery signal in the Temporal UI), or set spec.recovery.policy: RestoreLatestBackup`;
  const location = `s3://etcd-backups-${key.namespace}/clusters/${key.namespace}/${NAME}/scheduled-backup-${NAME}-20260101t000000z-7c0e1f6a.db`;
  const restored = `EtcdBackup ${NAME}-scheduled-20260101t000000z (${location}) at revision 123456789`;
  const skipped = Array.from({ length: 9 }, (_, i) => `${NAME}-scheduled-2026010${i}t000000z (revision ${123456789 + i}): SHA-256 mismatch: the stored object ${location.replace('.db', `-${i}.db`)} reads ${'e3b0c442'.repeat(8)}, the backup recorded ${'9f86d081'.repeat(8)}`).join('; ');
  const kept = oldMembers.map((m) => `data-${m}`).join(', ');
  const steps = ['FindBackup', `VerifySnapshot ${location}`, `RestoreVolumes ${fresh.join(', ')}`, 'RemoveOldMembers', ...fresh.map((m) => `StartMember ${m}`), 'WaitQuorum', 'Recovered'];
  const events = [
    { id: 'recovery-approval-7', type: 'Warning' as const, reason: 'RecoveryNeedsApproval', message: `${reason}. Nothing is deleted until approved: ${how}` },
    { id: 'recover-8-skip-0123456789ab', type: 'Warning' as const, reason: 'BackupSkipped', message: `Not restoring ${skipped}; trying the next older backup` },
    { id: 'recover-8-1-7c0e1f6a', type: 'Normal' as const, reason: 'RecoveryStarted', message: `Recovering from ${restored}: ${reason}` },
    { id: 'recover-8-2-7c0e1f6a', type: 'Normal' as const, reason: 'QuorumRecovered', message: `Recovered from ${restored}: writes after revision 123456789 are lost. Newer backups skipped: ${skipped}. Old volumes set aside (never deleted by the operator; read what you need, then delete them): ${kept}; list them with: kubectl get pvc -n ${key.namespace} -l etcd.operator.dev/set-aside=recovery,etcd.operator.dev/cluster=${NAME}` },
    { id: 'recover-8-failed', type: 'Warning' as const, reason: 'RecoverFailed', message: `no backup can be restored, nothing was stopped or deleted: ${skipped} (workflow etcdcluster-${key.uid}/recover-8; retry with: etcdop ops retry ${NAME} -n ${key.namespace})` },
  ];

  it('the texts are long enough to matter: the step, the reason and the Event messages exceed their limits', () => {
    assert.ok(`RestoreVolumes ${fresh.join(', ')}`.length > 256, 'a step listing 9 members is over operation.step maxLength 256');
    assert.ok(`VerifySnapshot ${location}`.length < 256);
    assert.ok(events.filter((e) => utf8Length(e.message) > EVENT_MESSAGE_MAX).length >= 3);
    assert.ok(reason.length > 300 && reason.length < 1024);
  });

  it('every status patch body of the recovery validates against the EtcdCluster CRD schema, and every Event message is at most 1024 bytes', async () => {
    const { kube, statusPatches, events: sent } = recordingKube({ [NAME]: { metadata: { name: NAME, namespace: key.namespace, uid: key.uid, generation: 4, resourceVersion: '1' }, status: {} } });
    let t = Date.parse('2026-01-01T00:00:00Z');
    const status = statusActivities({ kube, now: () => new Date((t += 1000)) });
    const workflowId = `etcdcluster-${key.uid}/recover-8`;

    await status.reportObservation(key, obs, 9, { reason: `${reason}; waiting for approval: ${how}`, quorumLost: true });
    for (const step of steps) await status.reportStep(key, { type: 'Recover', workflowId, step, startedAt: '2026-01-01T00:00:00Z', reason });
    for (const e of events) await status.recordEvent(key, e);
    await status.reportRestore(key, { backup: `${NAME}-scheduled-20260101t000000z`, location, sha256: '9f86d081'.repeat(8), revision: 123456789, reason });
    // A failure that quotes a large API error body.
    await status.reportOutcome(key, { type: 'Recover', workflowId, result: 'Failed', message: `no backup can be restored, nothing was stopped or deleted: ${skipped.repeat(20)}` });
    await status.reportOutcome(key, { type: 'Recover', workflowId, result: 'Succeeded', message: events[3]!.message });

    const schema = statusSchema(etcdClusterCrd());
    assert.equal(statusPatches.length, 1 + steps.length + 1 + 2);
    for (const p of statusPatches) assert.deepEqual(violations(p.status, schema, '.status'), []);
    assert.equal(sent.length, events.length);
    for (const e of sent) assert.ok(utf8Length(e.message!) <= EVENT_MESSAGE_MAX, `${e.reason}: ${utf8Length(e.message!)} bytes`);

    // Cut, not dropped: the start of each text is kept and says it was cut.
    const restoreStep = statusPatches.map((p) => (p.status.operation as { step?: string } | undefined)?.step).find((s) => s?.startsWith('RestoreVolumes'));
    assert.ok(restoreStep?.startsWith(`RestoreVolumes ${fresh.slice(0, 3).join(', ')}`) && restoreStep.endsWith(TRUNCATED));
    assert.ok(sent.find((e) => e.reason === 'QuorumRecovered')!.message!.startsWith(`Recovered from ${restored}`));
  });

  it('an EtcdBackup failure and an EtcdUser failure with long messages validate against their CRD schemas', async () => {
    const huge = `cannot stream the snapshot: ${skipped.repeat(20)}`;
    const backupKey = { namespace: key.namespace, name: `${NAME}-scheduled-20260101t000000z`, uid: '11111111-2222-3333-4444-555555555555' };
    const userKey = { namespace: key.namespace, name: `${NAME}-reporting-service`, uid: '66666666-7777-8888-9999-000000000000' };
    const { kube, statusPatches, events: sent } = recordingKube({
      [backupKey.name]: { metadata: { name: backupKey.name, namespace: key.namespace, uid: backupKey.uid } },
      [userKey.name]: { metadata: { name: userKey.name, namespace: key.namespace, uid: userKey.uid, generation: 2 } },
    });
    const now = () => new Date('2026-01-01T00:00:00Z');
    const backups = backupActivities({ kube, toolsImage: 'tools', now });
    await backups.reportBackup(backupKey, { phase: 'Failed', workflowId: `etcdbackup-${backupKey.uid}`, message: huge });
    await backups.recordBackupEvent(backupKey, { id: 'failed', type: 'Warning', reason: 'BackupFailed', message: huge });
    const users = userActivities({ kube, now });
    await users.reportUser(userKey, { ready: false, reason: 'ClusterUnavailable', message: huge, generation: 2, workflowId: `etcduser-${userKey.uid}` });
    await users.recordUserEvent(userKey, { id: 'failed', type: 'Warning', reason: 'ClusterUnavailable', message: huge });

    assert.deepEqual(statusPatches.map((p) => p.plural), ['etcdbackups', 'etcdusers']);
    assert.deepEqual(violations(statusPatches[0]!.status, statusSchema(etcdBackupCrd()), '.status'), []);
    assert.deepEqual(violations(statusPatches[1]!.status, statusSchema(etcdUserCrd()), '.status'), []);
    assert.ok(sent.every((e) => utf8Length(e.message!) <= EVENT_MESSAGE_MAX));
  });
});
