// The operator SIGKILLed at each activity boundary of a backup and of a restore (the failpoint
// kills it right after the activity's effect, before Temporal hears of it), then a plain operator
// takes over. Every backup must end Succeeded with exactly one stored object whose SHA-256 is the
// status'; every restore must end Available with the backup's data, each volume restored by one pod.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { clusterYaml, waitAvailable } from '../support/clusters.ts';
import { OperatorProcess } from '../support/operator.ts';
import { within } from '../support/wait.ts';
import { clientServiceEndpoint } from '../support/writer.ts';
import { backupYaml, bucket, createS3Secret, objectDigest, readKeys, storedObjects, waitBackupDone, writeKeys } from '../support/backups.ts';

const SRC = 'cb';
const KEYS = 300;
const backupBoundaries = ['ensureBackupFinalizer', 'readBackup', 'reportBackup', 'recordBackupEvent', 'takeSnapshot', 'reportBackup#2', 'recordBackupEvent#2'];
const restoreBoundaries = ['resolveBootstrapSource', 'prepareRestoreVolume', 'verifySnapshot', 'restoreMemberVolume', 'restoreMemberVolume#2', 'applyMember', 'openRestoredGates', 'reportRestore'];

describe('operator killed at every activity boundary of backup and restore', () => {
  let ns: string;
  let cleanup: () => void;
  let operator: OperatorProcess;
  let bundle: Record<string, string>;
  let secret: string;
  let prefix: string;

  before(async () => {
    ensureStack();
    OperatorProcess.installCrds();
    bundle = OperatorProcess.prebuiltBundleEnv();
    ({ ns, cleanup } = tempNamespace('e2e-crash-bk'));
    prefix = `e2e/${ns}/`;
    secret = createS3Secret(ns);
    operator = new OperatorProcess(ns);
    operator.start(bundle);
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(SRC, { size: 1, storage: { size: '64Mi' } }));
    await waitAvailable(ns, SRC);
    await writeKeys(clientServiceEndpoint(ns, SRC), 'k', KEYS);
    await operator.stop();
  });
  after(async () => {
    await operator.stop();
    operator.start(bundle);
    kubectl(['delete', 'etcdbackups.etcd.operator.dev', '--all', '-n', ns, '--wait=true', '--timeout=120s']);
    kubectl(['delete', 'etcdcluster', '--all', '-n', ns, '--wait=true', '--timeout=180s']);
    await operator.drain();
    await operator.stop();
    cleanup();
  });

  /** Arms the failpoint, triggers, waits for the crash, and hands over to a plain operator. */
  async function crashThenResume(failpoint: string, trigger: () => void): Promise<void> {
    operator.start({ ...bundle, ETCD_OPERATOR_FAILPOINTS: `crash-after:${failpoint}` });
    trigger();
    assert.equal(await within(180_000, `failpoint ${failpoint} (log: ${operator.logFile})`, operator.exited()), 'SIGKILL');
    operator.start(bundle);
  }

  const objectsOf = (backup: string) => storedObjects(`${prefix}${ns}/${SRC}/${backup}-`);

  backupBoundaries.forEach((b, i) => {
    it(`a backup survives a SIGKILL right after ${b}: Succeeded, exactly one stored object, its hash in status`, { timeout: 300_000 }, async () => {
      const name = `b-${i}`;
      await crashThenResume(b, () => kubectl(['apply', '-n', ns, '-f', '-'], backupYaml(name, { clusterName: SRC, destination: { s3: { bucket: bucket(), prefix, credentialsSecret: secret } } })));
      const done = await waitBackupDone(ns, name, 240_000);
      assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
      assert.equal((await objectsOf(name)).length, 1, 'one stored object for one backup');
      assert.deepEqual(await objectDigest(done.status!.location!), { sha256: done.status!.sha256, size: done.status!.sizeBytes });
      await operator.stop();
    });
  });

  restoreBoundaries.forEach((b, i) => {
    it(`a restore survives a SIGKILL right after ${b}: Available with the backup's data, each volume restored by one pod`, { timeout: 420_000 }, async () => {
      const name = `r-${i}`;
      // Two members only where the second volume's restore is the boundary: every case stays short.
      const size = b.endsWith('#2') ? 2 : 1;
      await crashThenResume(b, () => kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size, storage: { size: '64Mi' }, bootstrap: { backup: { name: 'b-0' } } })));
      await waitAvailable(ns, name, 300_000);
      assert.equal((await readKeys(clientServiceEndpoint(ns, name), 'k')).size, KEYS);
      for (const member of Array.from({ length: size }, (_, m) => `${name}-${m}`)) {
        const events = kubectlJson<{ items: { involvedObject: { uid: string } }[] }>(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${member}-restore,involvedObject.kind=Pod`]).items;
        assert.equal(new Set(events.map((e) => e.involvedObject.uid)).size, 1, `${member}'s volume was restored by exactly one pod`);
      }
      kubectl(['delete', 'etcdcluster', '-n', ns, name, '--wait=false']);
      await operator.stop();
    });
  });
});
