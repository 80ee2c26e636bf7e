// Streaming a snapshot into a helper pod on the real node, with the real activities in a real
// Temporal worker: the receiver takes bytes only from the operator (its per-transfer token); a
// receiver made for the pod network gets the push at its IP, one made for port-forward (a TLS
// cluster's) through the API server (the push works with the pod's IP unreachable from the
// operator's host); a restore whose stream lasts twice the heartbeat timeout completes in one attempt.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { Kube } from '../../k8s/kube-client.ts';
import { restoreActivities, RESTORED_ANNOTATION } from '../../activities/backups/restore.ts';
import { deleteHelperPod, ensurePod, pushToPod, waitPodDone } from '../../activities/backups/helper-pods.ts';
import { snapshotReceiverPod, type TransferPath } from '../../k8s/manifests/backup-pods.ts';
import { ensureStack } from '../support/stack.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { OperatorProcess } from '../support/operator.ts';
import { bucket, createS3Secret, loopbackSnapshot, putObject, writeKeys } from '../support/backups.ts';
import { clusterYaml } from '../support/clusters.ts';
import { slowDownloadProxy } from '../support/tcp-proxy.ts';
import { waitFor } from '../support/wait.ts';
import { startOwnWorker, type OwnWorker } from '../support/own-worker.ts';

const workflowsPath = fileURLToPath(new URL('./workflows/run-activity.ts', import.meta.url));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HEARTBEAT_TIMEOUT_S = 3;

describe('snapshot transfer into helper pods', () => {
  let ns: string;
  let cleanup = () => {};
  let kube: Kube;
  let own: OwnWorker;
  const taskQueue = `e2e-transfer-${process.pid}`;

  before(async () => {
    ensureStack();
    OperatorProcess.installCrds();
    ({ ns, cleanup } = tempNamespace('e2e-transfer'));
    kube = Kube.fromDefault();
    const restore = restoreActivities({ kube, toolsImage: process.env.ETCD_OPERATOR_TOOLS_IMAGE!, defaultRepository: process.env.ETCD_IMAGE_REPOSITORY! });
    const activities = {
      restoreMemberVolume: restore.restoreMemberVolume,
      /** A backup receiver pod (its Secret and NetworkPolicy first) on claim `backups`, owned by a ConfigMap. */
      async startReceiver(namespace: string, name: string, owner: { name: string; uid: string }, transfer: TransferPath): Promise<void> {
        await ensurePod(kube, snapshotReceiverPod({ namespace, name, owner: { apiVersion: 'v1', kind: 'ConfigMap', ...owner }, claimName: 'backups', file: `in/${name}.db`, toolsImage: process.env.ETCD_OPERATOR_TOOLS_IMAGE!, transfer }));
      },
      /** Pushes the bytes as the backup does, returns the receiver's report ("<sha256> <bytes>"). */
      async pushBytes(namespace: string, name: string, base64: string): Promise<string> {
        await pushToPod(kube, namespace, name, Readable.from([Buffer.from(base64, 'base64')]), 'test receiver');
        const pod = await waitPodDone(kube, namespace, name, 'test receiver');
        return (pod.status?.containerStatuses?.[0]?.state?.terminated?.message ?? '').trim();
      },
      async removeReceiver(namespace: string, name: string): Promise<void> { await deleteHelperPod(kube, namespace, name); },
    };
    own = await startOwnWorker({ taskQueue, workflowsPath, activities });
  });
  after(async () => {
    await own?.close();
    cleanup();
  });

  const runOnce = async (name: string, args: unknown[], heartbeatTimeout = '10s') => {
    const handle = await own.client.workflow.start('runActivityOnce', { taskQueue, workflowId: `${taskQueue}-${name}-${Date.now()}`, args: [name, args, heartbeatTimeout] });
    return { handle, result: handle.result() };
  };

  /** A receiver pod on claim `backups` (made once), owned by a ConfigMap, running with its IP. */
  const startReceiver = async (pod: string, transfer: TransferPath) => {
    if (!kubectl(['get', 'pvc', '-n', ns, 'backups', '--ignore-not-found', '-o', 'name']).trim()) {
      kubectl(['apply', '-n', ns, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'backups' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } }));
      kubectl(['create', 'configmap', 'transfer-owner', '-n', ns]);
    }
    const owner = { name: 'transfer-owner', uid: kubectlJson<{ metadata: { uid: string } }>(['get', 'configmap', '-n', ns, 'transfer-owner']).metadata.uid };
    await (await runOnce('startReceiver', [ns, pod, owner, transfer])).result;
    // Its token Secret and isolating NetworkPolicy exist, owned like the pod.
    for (const kind of ['secret', 'networkpolicy']) {
      const obj = kubectlJson<{ metadata: { ownerReferences?: { uid: string }[] } }>(['get', kind, '-n', ns, `${pod}-transfer`]);
      assert.equal(obj.metadata.ownerReferences?.[0]?.uid, owner.uid, `${kind} ${pod}-transfer is owned like the pod`);
    }
    return waitFor('receiver running', () => {
      const p = kubectlJson<{ status: { phase: string; podIP?: string } }>(['get', 'pod', '-n', ns, pod]);
      return p.status.phase === 'Running' && p.status.podIP;
    }, { timeoutMs: 60_000, intervalMs: 500 });
  };
  const removeReceiver = async (pod: string) => {
    await (await runOnce('removeReceiver', [ns, pod])).result;
    for (const kind of ['secret', 'networkpolicy']) {
      assert.equal(kubectl(['get', kind, '-n', ns, `${pod}-transfer`, '--ignore-not-found', '-o', 'name']).trim(), '', `${kind} ${pod}-transfer deleted with the pod`);
    }
  };
  /** Runs `body` with one iptables rule on this host's OUTPUT (where the operator runs) for TCP to the pod's transfer port. */
  const withRule = async <T>(ip: string, target: string[], body: (bytes: () => number) => Promise<T>): Promise<T> => {
    const comment = `etcdop-e2e-${ns}-${ip}`;
    const rule = ['OUTPUT', '-d', `${ip}/32`, '-p', 'tcp', '--dport', '2390', '-m', 'comment', '--comment', comment, '-j', ...target];
    execFileSync('iptables', ['-w', '-I', ...rule]);
    const bytes = () => {
      const line = execFileSync('iptables', ['-w', '-L', 'OUTPUT', '-v', '-x', '-n']).toString().split('\n').find((l) => l.includes(comment));
      return Number(line?.trim().split(/\s+/)[1] ?? 0);
    };
    try {
      return await body(bytes);
    } finally {
      execFileSync('iptables', ['-w', '-D', ...rule]);
    }
  };

  it('a receiver takes the stream only with its token: a connection over the pod network without it is turned away, the operator\'s push goes over the pod network', { timeout: 240_000 }, async () => {
    const pod = 'receiver';
    const ip = await startReceiver(pod, 'pod-network');
    assert.deepEqual(kubectlJson<{ spec: { ingress?: unknown[] } }>(['get', 'networkpolicy', '-n', ns, `${pod}-transfer`]).spec.ingress, [{ ports: [{ port: 2390, protocol: 'TCP' }] }], 'the policy admits the transfer port only');

    // Someone on the pod network, without the token: the connection is closed before any byte is
    // written, without "ok", and the receiver goes on listening.
    const answer = await waitFor('a connection to the receiver over the pod network', () => new Promise<string | undefined>((resolve) => {
      const s = connect({ host: ip, port: 2390 });
      let got = '';
      let connected = false;
      s.on('data', (d) => { got += d.toString(); });
      s.on('connect', () => { connected = true; s.write('not-the-token\nEVIL BYTES\n'); });
      // Refused (not listening yet): undefined, try again. Closed or reset once connected: what it answered.
      s.on('error', () => {});
      s.on('close', () => resolve(connected ? got : undefined));
    }), { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(answer, '', 'the receiver answered nothing to a connection without the token');
    await waitFor('the receiver turned the connection away', () => /turned away a connection without the transfer token \(1\)/.test(kubectl(['logs', '-n', ns, pod])), { timeoutMs: 30_000 });

    // The operator's push: straight to the pod's IP (counted by a rule on this host's OUTPUT).
    const payload = randomBytes(1024 * 1024);
    await withRule(ip, ['ACCEPT'], async (bytes) => {
      const report = await (await runOnce('pushBytes', [ns, pod, payload.toString('base64')])).result;
      assert.equal(report, `${sha256(payload)} ${payload.length}`, 'the receiver stored exactly the operator\'s bytes');
      assert.ok(bytes() > payload.length, `the stream went to the pod's IP (${bytes()} bytes counted)`);
    });
    await removeReceiver(pod);
  });

  it('a receiver made for port-forward (a TLS cluster\'s) takes the push through the API server, with its IP unreachable from the operator\'s host; its policy admits nothing', { timeout: 240_000 }, async () => {
    const pod = 'receiver-pf';
    const ip = await startReceiver(pod, 'port-forward');
    assert.equal(kubectlJson<{ spec: { ingress?: unknown[] } }>(['get', 'networkpolicy', '-n', ns, `${pod}-transfer`]).spec.ingress, undefined, 'no ingress rule: nothing in');
    await withRule(ip, ['REJECT'], async () => {
      await assert.rejects(new Promise((resolve, reject) => { const s = connect({ host: ip, port: 2390 }); s.on('connect', () => { s.destroy(); resolve(undefined); }); s.on('error', reject); }), 'the pod IP is unreachable from here now');
      const payload = randomBytes(300 * 1024);
      const report = await (await runOnce('pushBytes', [ns, pod, payload.toString('base64')])).result;
      assert.equal(report, `${sha256(payload)} ${payload.length}`, 'the receiver stored exactly the operator\'s bytes');
    });
    await removeReceiver(pod);
  });

  it('a stored snapshot that is not the verified one never lands: the operator holds its last bytes back, the pod refuses the short stream, the volume stays unmarked', { timeout: 240_000 }, async () => {
    const snapshot = await loopbackSnapshot('127.0.0.10', (etcd) => writeKeys(etcd.member(1).clientURL, 'changed', 500, 1000));
    const location = await putObject(`e2e/${ns}/changed.db`, snapshot);
    const secret = createS3Secret(ns, 's3-changed');
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('changed', { size: 1, storage: { size: '64Mi' } }));
    const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'etcdcluster', '-n', ns, 'changed']).metadata.uid;
    // The hash it was verified with is another object's (it was replaced after the check).
    const verified = sha256(Buffer.concat([snapshot, Buffer.from('x')]));
    const source = { location, sha256: verified, sizeBytes: snapshot.length, s3: { bucket: bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3!, forcePathStyle: true, region: process.env.AWS_REGION, credentialsSecret: secret } };
    const { result } = await runOnce('restoreMemberVolume', [{ namespace: ns, name: 'changed', uid }, { member: 'changed-0', initialMembers: ['changed-0'], source }]);
    await assert.rejects(result, (err: Error & { cause?: { cause?: { type?: string; message?: string } } }) => {
      const failure = err.cause?.cause;
      assert.equal(failure?.type, 'ChecksumMismatch');
      assert.match(failure?.message ?? '', /changed after it was verified/);
      return true;
    });
    const fetch = await waitFor('the restore pod refused the stream', () => {
      const pod = kubectlJson<{ status: { initContainerStatuses?: { name: string; state?: { terminated?: { exitCode: number; message?: string } } }[] } }>(['get', 'pod', '-n', ns, 'changed-0-restore']);
      return pod.status.initContainerStatuses?.find((c) => c.name === 'fetch' && c.state?.terminated)?.state?.terminated;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    assert.equal(fetch.exitCode, 3);
    assert.match(fetch.message ?? '', new RegExp(`snapshot truncated: \\d+ of ${snapshot.length} bytes arrived`));
    const pvc = kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['get', 'pvc', '-n', ns, 'data-changed-0']);
    assert.equal(pvc.metadata.annotations?.[RESTORED_ANNOTATION], undefined, 'the volume is not marked restored');
  });

  it(`a restore whose stream lasts over twice the heartbeat timeout (${HEARTBEAT_TIMEOUT_S}s) completes in one attempt`, { timeout: 240_000 }, async () => {
    // A real snapshot of a few MiB, from an etcd process on loopback.
    const snapshot = await loopbackSnapshot('127.0.0.9', (etcd) => writeKeys(etcd.member(1).clientURL, 'slow', 3000, 1000));
    const location = await putObject(`e2e/${ns}/slow.db`, snapshot);

    // The S3 server behind a proxy that sends the snapshot back in 8 seconds.
    const seconds = 8;
    const proxy = await slowDownloadProxy(Number(new URL(process.env.AWS_ENDPOINT_URL_S3!).port), Math.ceil(snapshot.length / seconds));
    try {
      const secret = createS3Secret(ns);
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml('slow', { size: 1, storage: { size: '64Mi' } }));
      const uid = kubectlJson<{ metadata: { uid: string } }>(['get', 'etcdcluster', '-n', ns, 'slow']).metadata.uid;
      const source = { location, sha256: sha256(snapshot), sizeBytes: snapshot.length, s3: { bucket: bucket(), endpoint: proxy.url, forcePathStyle: true, region: process.env.AWS_REGION, credentialsSecret: secret } };

      // Catch the per-transfer token while the restore pod exists, to look for it in the history after.
      let token: string | undefined;
      let transferring = true;
      const watching = (async () => {
        while (transferring && !token) {
          const t = kubectl(['get', 'secret', '-n', ns, 'slow-0-restore-transfer', '--ignore-not-found', '-o', 'jsonpath={.data.token}']).trim();
          if (t) token = Buffer.from(t, 'base64').toString();
          await new Promise((r) => setTimeout(r, 300));
        }
      })();

      const started = Date.now();
      const { handle, result } = await runOnce('restoreMemberVolume', [{ namespace: ns, name: 'slow', uid }, { member: 'slow-0', initialMembers: ['slow-0'], source }], `${HEARTBEAT_TIMEOUT_S}s`);
      try {
        assert.equal(await result, 'restored');
      } finally {
        transferring = false;
        await watching;
      }
      const elapsed = (Date.now() - started) / 1000;
      assert.ok(elapsed >= 2 * HEARTBEAT_TIMEOUT_S, `the restore took ${elapsed.toFixed(1)}s, over twice the heartbeat timeout`);

      const history = await handle.fetchHistory();
      const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
      assert.deepEqual(attempts, [1], 'one attempt');
      assert.ok(token && token.length >= 32, 'the restore pod had a transfer token');
      assert.ok(!JSON.stringify(history).includes(token!), 'the transfer token is nowhere in the workflow history');

      const pvc = kubectlJson<{ metadata: { annotations?: Record<string, string> } }>(['get', 'pvc', '-n', ns, 'data-slow-0']);
      assert.equal(pvc.metadata.annotations?.[RESTORED_ANNOTATION], sha256(snapshot));
      for (const what of ['secret/slow-0-restore-transfer', 'networkpolicy/slow-0-restore-transfer']) {
        assert.equal(kubectl(['get', what, '-n', ns, '--ignore-not-found', '-o', 'name']).trim(), '', `${what} deleted after the restore`);
      }
      // The pod, every container of which had ended, goes once the kubelet lets it go: not waited for.
      await waitFor('the restore pod gone', () => kubectl(['get', 'pod/slow-0-restore', '-n', ns, '--ignore-not-found', '-o', 'name']).trim() === '', { timeoutMs: 60_000, intervalMs: 250 });
    } finally {
      await proxy.close();
    }
  });
});
