// The contract between the operator's real activities (activities/index.ts) and the in-memory fakes
// the workflow tests run on (test/workflows/fake-activities.ts): one set of cases, run against both
// (test/workflows/contract-fakes.test.ts, test/e2e/contract-real.test.ts). A case sets a cluster up
// through a ContractWorld, calls activities, and asserts only what both worlds can show: return
// values, the type of a thrown ApplicationFailure, the volumes left and the status text stored.
// Where the fakes and the real activities part, the real ones are the truth.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities/index.ts';
import type { RestoreSource } from '../../domain/backups.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { TRUNCATED, bounded, utf8Length } from '../../k8s/status-text.ts';

/** A member volume as Kubernetes holds it: `owned` is the cluster's owner reference, the rest its marks. */
export interface VolumeView {
  name: string;
  owned: boolean;
  /** Label etcd.operator.dev/removed-member=true: a removed member's volume, kept. */
  removedMember: boolean;
  /** Label etcd.operator.dev/set-aside=recovery: a recovery replaced it; the operator never deletes it. */
  setAside: boolean;
  /** Annotation etcd.operator.dev/restored-sha256. */
  restoredSha256?: string;
}

/** The status fields both worlds store, as stored (after any cutting to the CRD's limits). */
export interface StatusView {
  operation?: { type: string; workflowId: string; step?: string; reason?: string };
  lastOperation?: { type: string; workflowId?: string; result: string; message?: string };
  observedGeneration?: number;
}

/** The fields of a status (the API server's or the fake's) both worlds compare. */
export function statusView(s: { operation?: StatusView['operation'] | null; lastOperation?: StatusView['lastOperation']; observedGeneration?: number }): StatusView {
  const { operation, lastOperation, observedGeneration } = s;
  return {
    ...(operation && { operation: { type: operation.type, workflowId: operation.workflowId, step: operation.step, ...(operation.reason !== undefined && { reason: operation.reason }) } }),
    ...(lastOperation && { lastOperation: { type: lastOperation.type, workflowId: lastOperation.workflowId, result: lastOperation.result, message: lastOperation.message } }),
    ...(observedGeneration !== undefined && { observedGeneration }),
  };
}

export interface ClusterSetup {
  /** Members `<name>-0` .. `<name>-<size-1>`, each with its volume as applyMember makes it (no pod, no etcd). */
  size: number;
  retainOnDelete?: boolean;
}

export interface ContractWorld {
  readonly name: 'fakes' | 'real';
  /** Calls one activity the way a worker runs it (in an activity context); a failure is thrown as the activity threw it. */
  call<N extends keyof Activities>(activity: N, ...args: Parameters<Activities[N]>): ReturnType<Activities[N]>;
  /** An EtcdCluster (generation 1, etcd 3.6.16) named `name` and its members' volumes. */
  cluster(name: string, setup: ClusterSetup): Promise<ClusterKey>;
  /** A restore onto `member`'s volume finished earlier: the volume carries the mark of `sha256`. */
  markRestored(key: ClusterKey, member: string, sha256: string): Promise<void>;
  /** The cluster's volumes (selected by its uid), by name. */
  volumes(key: ClusterKey): Promise<VolumeView[]>;
  status(key: ClusterKey): Promise<StatusView>;
  /** `bytes` stored as an S3 object the cluster's namespace can read, and the source naming it with its true SHA-256. */
  storeSnapshot(key: ClusterKey, name: string, bytes: Buffer): Promise<RestoreSource>;
  /** Bytes of a real etcd snapshot (the restore pod checks and restores it; the fakes take any bytes). */
  etcdSnapshot(): Promise<Buffer>;
}

export interface ContractCase {
  name: string;
  run(w: ContractWorld): Promise<void>;
  /** For the real run, on a loaded 2-core machine. */
  timeoutMs?: number;
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const failedWith = (type: string) => (err: unknown) => {
  assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${String(err)}`);
  assert.equal(err.type, type, err.message);
  assert.equal(err.nonRetryable, true, 'non-retryable: no retry can change it');
  return true;
};
const byName = (vs: VolumeView[]) => new Map(vs.map((v) => [v.name, v]));
const plain = (name: string, owned = true): VolumeView => ({ name, owned, removedMember: false, setAside: false });

const START = '2026-01-01T00:00:00Z';
// Multi-byte text: a cut must count UTF-8 bytes and never split a character.
const LONG_STEP = `StartMember ${'é'.repeat(100)}${'x'.repeat(400)}`;
const LONG_REASON = `member lost its data: ${'ü'.repeat(900)}`;
const LONG_MESSAGE = `operation failed: ${'€'.repeat(12_000)}`;

export const cases: ContractCase[] = [
  // --- (a) status text: cut to the CRD's maxLength, the same way -------------------------------------
  {
    name: 'reportStep stores a step and reason that fit unchanged',
    async run(w) {
      const key = await w.cluster('st-short', { size: 1 });
      const step = { type: 'Scale' as const, workflowId: 'wf/scale-2', step: 'AddLearner st-short-1', reason: 'spec.size 1 -> 2', startedAt: START };
      await w.call('reportStep', key, step);
      const s = await w.status(key);
      assert.deepEqual(s.operation, { type: 'Scale', workflowId: 'wf/scale-2', step: step.step, reason: step.reason });
    },
  },
  {
    name: 'reportStep cuts a step over 256 bytes and a reason over 1024 bytes to their maxLength, on a character boundary, with the truncation marker',
    async run(w) {
      const key = await w.cluster('st-long', { size: 1 });
      await w.call('reportStep', key, { type: 'ReplaceMember', workflowId: 'wf/replace-2', step: LONG_STEP, reason: LONG_REASON, startedAt: START });
      const op = (await w.status(key)).operation;
      assert.equal(op?.step, bounded(LONG_STEP, 256));
      assert.equal(op?.reason, bounded(LONG_REASON, 1024));
      assert.ok(op!.step!.endsWith(TRUNCATED) && utf8Length(op!.step!) <= 256, `step cut to 256 bytes: ${utf8Length(op!.step!)}`);
      assert.ok(op!.reason!.endsWith(TRUNCATED) && utf8Length(op!.reason!) <= 1024);
      assert.equal(op?.workflowId, 'wf/replace-2', 'the rest of the step is stored whole');
    },
  },
  {
    name: 'reportOutcome clears the operation and cuts a message over 32768 bytes to lastOperation.message\'s maxLength',
    async run(w) {
      const key = await w.cluster('st-outcome', { size: 1 });
      await w.call('reportStep', key, { type: 'Upgrade', workflowId: 'wf/upgrade-2', step: 'Backup', startedAt: START });
      await w.call('reportOutcome', key, { type: 'Upgrade', workflowId: 'wf/upgrade-2', result: 'Failed', message: LONG_MESSAGE, failureType: 'ImagePull' });
      const s = await w.status(key);
      assert.equal(s.operation, undefined, 'no operation in flight');
      assert.equal(s.lastOperation?.message, bounded(LONG_MESSAGE, 32768));
      assert.ok(utf8Length(s.lastOperation!.message!) <= 32768 && s.lastOperation!.message!.endsWith(TRUNCATED));
      assert.deepEqual([s.lastOperation?.type, s.lastOperation?.workflowId, s.lastOperation?.result], ['Upgrade', 'wf/upgrade-2', 'Failed']);
      assert.equal(s.observedGeneration, undefined, 'a failure observes no generation');
    },
  },
  {
    name: 'reportOutcome of a success records the generation it reached as observedGeneration',
    async run(w) {
      const key = await w.cluster('st-success', { size: 1 });
      await w.call('reportOutcome', key, { type: 'Create', workflowId: 'wf/create-1', result: 'Succeeded', message: 'Create finished', generation: 1 });
      const s = await w.status(key);
      assert.deepEqual(s.lastOperation, { type: 'Create', workflowId: 'wf/create-1', result: 'Succeeded', message: 'Create finished' });
      assert.equal(s.observedGeneration, 1);
    },
  },

  // --- (b) kept volumes: deleted, kept and released, set aside -----------------------------------------
  {
    name: 'applyMember under retainOnDelete makes the joining member\'s volume without the cluster\'s owner reference',
    timeoutMs: 120_000,
    async run(w) {
      const key = await w.cluster('am', { size: 1, retainOnDelete: true });
      assert.equal(await w.call('applyMember', key, { member: 'am-1', initialMembers: ['am-0', 'am-1'], state: 'existing' }), 'created');
      assert.deepEqual(await w.volumes(key), [plain('data-am-0', false), plain('data-am-1', false)]);
    },
  },
  {
    name: 'releaseMemberVolume without retain deletes the removed member\'s volume; called again it finds it absent',
    async run(w) {
      const key = await w.cluster('rv-del', { size: 2 });
      assert.equal(await w.call('releaseMemberVolume', key, 'rv-del-1', false), 'deleted');
      assert.equal(await w.call('releaseMemberVolume', key, 'rv-del-1', false), 'absent');
      assert.deepEqual(await w.volumes(key), [plain('data-rv-del-0')]);
    },
  },
  {
    name: 'releaseMemberVolume with retain keeps the volume, released from the cluster and marked removed-member; called again it answers kept',
    async run(w) {
      const key = await w.cluster('rv-keep', { size: 2 });
      assert.equal(await w.call('releaseMemberVolume', key, 'rv-keep-1', true), 'kept');
      assert.equal(await w.call('releaseMemberVolume', key, 'rv-keep-1', true), 'kept');
      assert.deepEqual(await w.volumes(key), [plain('data-rv-keep-0'), { ...plain('data-rv-keep-1', false), removedMember: true }]);
      assert.equal(await w.call('releaseMemberVolume', key, 'rv-keep-7', true), 'absent', 'a member that never had a volume');
    },
  },
  {
    name: 'setAsideMemberVolume releases the volume and marks it set aside and removed; again it answers set-aside; a member without a volume is absent',
    async run(w) {
      const key = await w.cluster('sa', { size: 2 });
      assert.equal(await w.call('setAsideMemberVolume', key, 'sa-0'), 'set-aside');
      assert.equal(await w.call('setAsideMemberVolume', key, 'sa-0'), 'set-aside');
      assert.equal(await w.call('setAsideMemberVolume', key, 'sa-5'), 'absent');
      assert.deepEqual(await w.volumes(key), [{ ...plain('data-sa-0', false), removedMember: true, setAside: true }, plain('data-sa-1')]);
    },
  },
  {
    name: 'releaseVolumes with retain keeps every volume released, a set-aside one among them, and deletes none',
    async run(w) {
      const key = await w.cluster('rvs-keep', { size: 3 });
      await w.call('setAsideMemberVolume', key, 'rvs-keep-0');
      assert.deepEqual(await w.call('releaseVolumes', key, true), { deleted: [], kept: ['data-rvs-keep-0', 'data-rvs-keep-1', 'data-rvs-keep-2'] });
      const v = byName(await w.volumes(key));
      assert.deepEqual([...v.keys()], ['data-rvs-keep-0', 'data-rvs-keep-1', 'data-rvs-keep-2']);
      assert.ok([...v.values()].every((x) => !x.owned), 'none owned: no cascade can take them');
      assert.equal(v.get('data-rvs-keep-0')?.setAside, true);
    },
  },
  {
    name: 'releaseVolumes without retain deletes the cluster\'s volumes but keeps the one a recovery set aside',
    async run(w) {
      const key = await w.cluster('rvs-del', { size: 3 });
      await w.call('setAsideMemberVolume', key, 'rvs-del-1');
      assert.deepEqual(await w.call('releaseVolumes', key, false), { deleted: ['data-rvs-del-0', 'data-rvs-del-2'], kept: ['data-rvs-del-1'] });
      assert.deepEqual(await w.volumes(key), [{ ...plain('data-rvs-del-1', false), removedMember: true, setAside: true }]);
      // Again (a retry): the set-aside one still kept. A volume still terminating (its protection
      // finalizer not yet gone) may be listed as deleted a second time; none is deleted anew.
      const again = await w.call('releaseVolumes', key, false);
      assert.deepEqual(again.kept, ['data-rvs-del-1'], 'again: still kept');
      assert.ok(again.deleted.every((v) => ['data-rvs-del-0', 'data-rvs-del-2'].includes(v)), `again: ${again.deleted}`);
    },
  },
  {
    name: 'releaseVolumes without retain also deletes a removed member\'s kept volume: only set-aside volumes outlive the cluster',
    async run(w) {
      const key = await w.cluster('rvs-removed', { size: 3 });
      await w.call('releaseMemberVolume', key, 'rvs-removed-2', true);
      await w.call('setAsideMemberVolume', key, 'rvs-removed-0');
      assert.deepEqual(await w.call('releaseVolumes', key, false), { deleted: ['data-rvs-removed-1', 'data-rvs-removed-2'], kept: ['data-rvs-removed-0'] });
      assert.deepEqual((await w.volumes(key)).map((v) => v.name), ['data-rvs-removed-0']);
    },
  },
  {
    name: 'syncVolumeOwners leaves a removed member\'s volume and a set-aside one released while the cluster owns its members\' volumes',
    async run(w) {
      const key = await w.cluster('sync', { size: 3 });
      await w.call('releaseMemberVolume', key, 'sync-2', true);
      await w.call('setAsideMemberVolume', key, 'sync-1');
      assert.deepEqual(await w.call('syncVolumeOwners', key), { owned: [], released: [] });
      assert.deepEqual((await w.volumes(key)).map((v) => [v.name, v.owned]), [['data-sync-0', true], ['data-sync-1', false], ['data-sync-2', false]]);
    },
  },
  {
    name: 'releaseMemberVolume without retain never deletes a volume a recovery set aside',
    async run(w) {
      const key = await w.cluster('sa-rel', { size: 2 });
      await w.call('setAsideMemberVolume', key, 'sa-rel-1');
      assert.equal(await w.call('releaseMemberVolume', key, 'sa-rel-1', false), 'kept');
      assert.deepEqual((await w.volumes(key)).filter((v) => v.setAside).map((v) => v.name), ['data-sa-rel-1'], 'the set-aside volume is still there');
    },
  },

  // --- (c) restore: a restored volume is not restored twice; a snapshot is verified by its SHA-256 -----------
  {
    name: 'restoreMemberVolume onto a volume already restored from this snapshot is skipped (already) and changes nothing',
    async run(w) {
      const key = await w.cluster('rs-again', { size: 1 });
      const source = await w.storeSnapshot(key, 'rs-again', Buffer.from('a snapshot'));
      await w.markRestored(key, 'rs-again-0', source.sha256);
      const before = await w.volumes(key);
      assert.equal(await w.call('restoreMemberVolume', key, { member: 'rs-again-0', initialMembers: ['rs-again-0'], source }), 'already');
      assert.deepEqual(await w.volumes(key), before);
      assert.equal(before[0]?.restoredSha256, source.sha256);
    },
  },
  {
    name: 'restoreMemberVolume onto a volume restored from another snapshot restores this one and marks the volume with its SHA-256',
    timeoutMs: 240_000,
    async run(w) {
      const key = await w.cluster('rs-other', { size: 1 });
      const source = await w.storeSnapshot(key, 'rs-other', await w.etcdSnapshot());
      await w.markRestored(key, 'rs-other-0', sha256('an older snapshot'));
      assert.equal(await w.call('restoreMemberVolume', key, { member: 'rs-other-0', initialMembers: ['rs-other-0'], source }), 'restored');
      assert.deepEqual((await w.volumes(key)).map((v) => [v.name, v.restoredSha256]), [['data-rs-other-0', source.sha256]]);
    },
  },
  {
    name: 'openRestoredGates opens no gate while one member\'s volume does not hold the snapshot: NotRestored, non-retryable',
    async run(w) {
      const key = await w.cluster('og', { size: 2 });
      const snapshot = sha256('a snapshot');
      await w.markRestored(key, 'og-0', snapshot);
      await w.markRestored(key, 'og-1', sha256('an older snapshot'));
      await assert.rejects(w.call('openRestoredGates', key, { members: ['og-0', 'og-1'], sha256: snapshot }), failedWith('NotRestored'));
    },
  },
  {
    name: 'verifySnapshot answers the stored size; a snapshot whose SHA-256 does not match fails ChecksumMismatch, non-retryable',
    async run(w) {
      const key = await w.cluster('vs', { size: 1 });
      const bytes = Buffer.from('stored snapshot bytes '.repeat(100));
      const source = await w.storeSnapshot(key, 'vs', bytes);
      assert.deepEqual(await w.call('verifySnapshot', key, source), { sizeBytes: bytes.length });
      const other = sha256('other bytes');
      await assert.rejects(w.call('verifySnapshot', key, { ...source, sha256: other }), (err: unknown) => {
        failedWith('ChecksumMismatch')(err);
        assert.match((err as Error).message, new RegExp(`corrupt or truncated: sha256 ${source.sha256} \\(${bytes.length} bytes\\), expected ${other}`));
        return true;
      });
    },
  },
];
