// The operator against the real Temporal server (1.29, PostgreSQL, mTLS and JWT authorization on
// 127.0.0.1:7333: the stack's STACK_TEMPORAL=server profile) in a Temporal namespace made for this
// run: it connects with the client certificate and an admin token, registers its search attributes
// itself, and creates, resizes and backs up a cluster; clients without a certificate or with one of
// another CA are refused, and `etcdop run` says why in one line; with a token that may not register
// search attributes it stops and names the commands, which work; Temporal and its PostgreSQL stopped for 60 s in the middle of a resize and of a
// backup, and restarted while the operator idles: the operator stays up (not ready meanwhile),
// every operation completes with each step once, and signals sent afterwards are delivered.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto'; // CommonJS: no named exports under ESM
import { connectClient, temporalTarget } from '../../client/temporal.ts';
import { backupWorkflowId, clusterWorkflowId } from '../../domain/ids.ts';
import { ensureStack, repoRoot } from '../support/stack.ts';
import { kubectl, tempNamespace } from '../support/kube.ts';
import { clusterYaml, getCluster, waitAvailable, waitConverged } from '../support/clusters.ts';
import { backupYaml, bucket, createS3Secret, getBackup, objectDigest, storedObjects, waitBackupDone, writeKeys } from '../support/backups.ts';
import { OperatorProcess } from '../support/operator.ts';
import { waitFor } from '../support/wait.ts';
import { clientServiceEndpoint } from '../support/writer.ts';
import { completedActivities, completedInHistory } from '../support/history.ts';
import { testCA } from '../support/certs.ts';
import { healthUrl, readyz, serverAdminCli, serverEnv, serverToken, serverUp, stopServer } from '../support/temporal-server.ts';
import { slowUploadProxy, tcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const NAME = 'ts';
const OUTAGE_MS = 60_000;
const STARTED = proto.temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => Math.round(ms / 100) / 10;

interface Finding { level: string; check: string; message: string }

/** Runs `etcdop <args>` to its end: exit code, stdout, stderr. */
function etcdop(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [`${repoRoot}bin/etcdop.js`, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`etcdop ${args.join(' ')} still running after ${timeoutMs} ms; stderr: ${stderr}`)); }, timeoutMs);
    p.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: Date.now() - t0 }); });
  });
}

describe('the operator on the real Temporal server (PostgreSQL, mTLS)', () => {
  let ns: string;
  let cleanupNs = () => {};
  let operator: OperatorProcess | undefined;
  let client: Client | undefined;
  let temporalNs: string;
  let health: string;
  let secret: string;
  let prefix: string;
  let exitedWith: string | undefined;
  let proxy: { url: string; close(): Promise<void> } | undefined;
  const measured: Record<string, unknown> = {};
  let bundle: Record<string, string> = {};

  before(async () => {
    ensureStack();
    measured.serverUpSeconds = serverUp();
    Object.assign(process.env, serverEnv());
    // A Temporal namespace of its own: nothing registered in it, so the operator's registration runs.
    temporalNs = `e2e-tserver-${Date.now().toString(36)}`;
    const admin = await connectClient(temporalTarget({ ...process.env, TEMPORAL_NAMESPACE: 'default' }));
    try {
      await admin.workflowService.registerNamespace({ namespace: temporalNs, workflowExecutionRetentionPeriod: msToTs('1 day') });
      await waitFor(`Temporal namespace ${temporalNs} registered`, async () => !!(await admin.workflowService.describeNamespace({ namespace: temporalNs })).namespaceInfo, { timeoutMs: 60_000, intervalMs: 500 });
    } finally {
      await admin.connection.close();
    }
    process.env.TEMPORAL_NAMESPACE = temporalNs;
    client = await connectClient();
    OperatorProcess.installCrds();
    bundle = OperatorProcess.prebuiltBundleEnv();
    ({ ns, cleanup: cleanupNs } = tempNamespace('e2e-tserver'));
    prefix = `e2e/${ns}/`;
    secret = createS3Secret(ns);
    operator = new OperatorProcess(ns);
    operator.start(bundle);
    void operator.exited().then((how) => { exitedWith = how; });
    health = await healthUrl(operator.logFile);
  });

  after(async () => {
    // Temporal back first, whatever happened: everything below needs it, and so do other runs.
    try { serverUp(); } catch (err) { console.error(`restarting the Temporal server failed: ${String(err)}`); }
    try {
      if (operator && ns) {
        await deleteAndWait('etcdbackups.etcd.operator.dev', ['--all'], 180_000);
        await deleteAndWait('etcdcluster', ['--all'], 300_000);
        await operator.drain(180_000);
      }
    } finally {
      await operator?.stop();
      await proxy?.close();
      if (ns) cleanupNs();
      if (client) {
        await client.connection.operatorService.deleteNamespace({ namespace: temporalNs }).catch((err: Error) => console.error(`deleting Temporal namespace ${temporalNs}: ${err.message}`));
        await client.connection.close();
      }
      console.log(`temporal-server: ${JSON.stringify(measured)}`);
    }
  });

  /**
   * Deletes and waits until they are gone without blocking this process (kubectl --wait would, and
   * the slow S3 link the operator deletes a stored snapshot through runs in this process).
   */
  async function deleteAndWait(kind: string, what: string[], timeoutMs: number): Promise<void> {
    kubectl(['delete', kind, '-n', ns, ...what, '--wait=false', '--ignore-not-found']);
    const names = what[0] === '--all' ? [] : what;
    await waitFor(`${kind} ${what.join(' ')} deleted`, () => kubectl(['get', kind, '-n', ns, ...names, '--ignore-not-found', '-o', 'name']).trim() === '', { timeoutMs, intervalMs: 1000 });
  }

  const objectsOf = (backup: string) => storedObjects(`${prefix}${ns}/${NAME}/${backup}-`);

  async function assertOneStoredObject(backup: string): Promise<void> {
    const b = getBackup(ns, backup);
    assert.equal(b.status?.phase, 'Succeeded', JSON.stringify(b.status));
    assert.deepEqual(await objectsOf(backup), [b.status!.location!.replace(`s3://${bucket()}/`, '')], 'exactly one stored object, the one in status');
    assert.deepEqual(await objectDigest(b.status!.location!), { sha256: b.status!.sha256, size: b.status!.sizeBytes }, 'its SHA-256 and size are the status\'s');
  }

  /** Waits until the workflow has an activity running (started, not only scheduled); its type. */
  async function activityRunning(workflowId: string, type?: string): Promise<string> {
    return waitFor(`${type ?? 'an activity'} of ${workflowId} running`, async () => {
      const d = await client!.workflow.getHandle(workflowId).describe();
      return d.raw.pendingActivities?.find((a) => a.state === STARTED && (!type || a.activityType?.name === type))?.activityType?.name ?? undefined;
    }, { timeoutMs: 240_000, intervalMs: 100 });
  }

  /**
   * The Temporal server and its PostgreSQL stopped, OUTAGE_MS with them down (checking every 2 s that the operator
   * runs and its /readyz answers 503 naming Temporal), then `stack.sh up`, until /readyz is 200.
   */
  async function outage(label: string, ms = OUTAGE_MS): Promise<void> {
    const stopSeconds = await stopServer();
    const down = Date.now();
    const answers: string[] = [];
    for (;;) {
      assert.equal(exitedWith, undefined, `the operator exited while Temporal was down (log: ${operator!.logFile})`);
      const r = await readyz(health);
      assert.equal(r.status, 503, `/readyz while Temporal is down: ${r.status} ${r.body}`);
      assert.match(r.body, /^temporal: /m);
      answers.push(r.body.split('\n').find((l) => l.startsWith('temporal: '))!);
      if (Date.now() - down >= ms) break;
      await sleep(Math.min(2000, ms - (Date.now() - down)));
    }
    const downMs = Date.now() - down;
    const upSeconds = serverUp();
    const upAt = Date.now();
    await waitFor('/readyz 200 once Temporal is back', async () => (await readyz(health)).status === 200, { timeoutMs: 180_000, intervalMs: 500 });
    measured[label] = { stopSeconds, downSeconds: secs(downMs), upSeconds, readyAgainSeconds: secs(Date.now() - upAt), notReadyAnswers: answers.length, notReadyBecause: [...new Set(answers)] };
  }

  it('connects with mTLS, registers its search attributes in a fresh namespace, doctor says ok; creates a cluster, resizes it 1 -> 3 and backs it up to S3', { timeout: 600_000 }, async () => {
    const logged = await waitFor('the registration logged', () => readFileSync(operator!.logFile, 'utf8').split('\n').find((l) => l.includes('registered the search attributes')), { timeoutMs: 60_000 });
    const entry = JSON.parse(logged) as { namespace: string; registered: string[] };
    assert.equal(entry.namespace, temporalNs);
    assert.deepEqual([...entry.registered].sort(), ['EtcdClusterName', 'EtcdClusterNamespace', 'EtcdOperation']);
    assert.match(readFileSync(operator!.logFile, 'utf8'), new RegExp(`"temporal":"127\\.0\\.0\\.1:7333 \\(namespace ${temporalNs}, mTLS, API key\\)"`));
    await waitFor('/readyz 200', async () => (await readyz(health)).status === 200, { timeoutMs: 120_000, intervalMs: 500 });

    const doc = await etcdop(['doctor', '--task-queue', operator!.taskQueue, '-n', ns, '-o', 'json'], process.env);
    const findings = JSON.parse(doc.stdout) as Finding[];
    for (const check of ['temporal', 'search attributes', 'workers']) {
      assert.equal(findings.find((f) => f.check === check)?.level, 'ok', `doctor ${check}: ${JSON.stringify(findings)}`);
    }
    assert.match(findings.find((f) => f.check === 'temporal')!.message, new RegExp(`^connected to 127\\.0\\.0\\.1:7333 \\(namespace ${temporalNs}, mTLS, API key\\), server 1\\.29\\.`));

    let t0 = Date.now();
    kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(NAME, { size: 1, storage: { size: '128Mi' } }));
    await waitAvailable(ns, NAME, 300_000);
    measured.createSeconds = secs(Date.now() - t0);
    t0 = Date.now();
    kubectl(['patch', 'etcdcluster', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size: 3 } })]);
    await waitConverged(ns, NAME, 3, 300_000);
    measured.resize1to3Seconds = secs(Date.now() - t0);
    t0 = Date.now();
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('b-first', { clusterName: NAME, destination: { s3: { bucket: bucket(), prefix, credentialsSecret: secret } } }));
    await waitBackupDone(ns, 'b-first');
    measured.backupSeconds = secs(Date.now() - t0);
    await assertOneStoredObject('b-first');
  });

  it('a client without a certificate or with one of another CA is refused by the server, and etcdop run exits with one line saying why', { timeout: 300_000 }, async () => {
    const other = testCA('other-ca');
    const dir = mkdtempSync(join(tmpdir(), 'tserver-certs-'));
    try {
      const stranger = other.leaf('intruder', { usages: ['clientAuth'] });
      for (const [f, text] of [['intruder.crt', stranger.crt], ['intruder.key', stranger.key], ['other-ca.crt', other.ca.crt]] as const) writeFileSync(join(dir, f), text);
      const address = process.env.TEMPORAL_ADDRESS!;
      const ca = readFileSync(process.env.TEMPORAL_TLS_SERVER_CA_CERT_PATH!);

      // The server itself turns them away (an SDK client, not our probe), and takes ours.
      for (const [who, tls] of [
        ['no client certificate', { serverRootCACertificate: ca }],
        ['a client certificate of another CA', { serverRootCACertificate: ca, clientCertPair: { crt: Buffer.from(stranger.crt), key: Buffer.from(stranger.key) } }],
      ] as const) {
        await assert.rejects(async () => {
          const c = await Connection.connect({ address, tls, connectTimeout: '5s' });
          try { await c.workflowService.getSystemInfo({}); } finally { await c.close(); }
        }, `the server accepted a client with ${who}`);
      }
      const ours = await connectClient();
      await ours.workflowService.getSystemInfo({});
      await ours.connection.close();

      const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...noCert } = process.env;
      const runs = [
        { who: 'no client certificate', env: noCert, tls: 'TLS', why: /the server requires a client certificate and none is configured \(TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH\)/ },
        { who: 'a client certificate of another CA', env: { ...process.env, TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'intruder.crt'), TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'intruder.key') }, tls: 'mTLS', why: /the server (rejected|did not accept) our client certificate "CN=intruder" issued by "CN=other-ca"/ },
        { who: 'a CA that did not issue the server\'s certificate', env: { ...process.env, TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'other-ca.crt') }, tls: 'mTLS', why: /we do not trust the server's certificate "CN=temporal-frontend" .* against the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH \("CN=other-ca"/ },
      ];
      const seconds: Record<string, number> = {};
      for (const r of runs) {
        const out = await etcdop(['run', '--namespace', ns, '--task-queue', `${operator!.taskQueue}-refused`, '--http-address', '127.0.0.1:0'], r.env);
        assert.notEqual(out.code, 0, `etcdop run with ${r.who} exited ${out.code}`);
        const lines = out.stderr.split('\n').filter((l) => l.trim());
        assert.equal(lines.length, 1, `one line on stderr with ${r.who}:\n${out.stderr}`);
        assert.match(lines[0]!, new RegExp(`^etcdop: Temporal at ${address.replace(/\./g, '\\.')} \\(namespace ${temporalNs}, ${r.tls}, API key\\) refused the connection: `), lines[0]);
        assert.match(lines[0]!, r.why, lines[0]);
        seconds[r.who] = secs(out.ms);
      }
      measured.refusedRunSeconds = seconds;
    } finally {
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with a token that may write in its namespace (`<ns>:write`) but not administer it, etcdop run stops naming the search attributes and the commands; an administrator runs them and the operator starts', { timeout: 300_000 }, async () => {
    const bare = `e2e-tserver-bare-${Date.now().toString(36)}`;
    serverAdminCli(['operator', 'namespace', 'create', '--namespace', bare, '--retention', '24h']);
    // Its own Kubernetes namespace, empty: an operator on another Temporal namespace must never see this suite's cluster.
    const own = tempNamespace('e2e-tserver-w');
    const writer = new OperatorProcess(own.ns);
    let link: TcpProxy | undefined;
    try {
      await waitFor(`Temporal namespace ${bare} registered`, () => { try { serverAdminCli(['operator', 'namespace', 'describe', '--namespace', bare]); return true; } catch { return false; } }, { timeoutMs: 60_000, intervalMs: 500 });
      const env = { ...process.env, ...bundle, TEMPORAL_NAMESPACE: bare, TEMPORAL_API_KEY: serverToken('e2e-writer', `${bare}:write`) };
      const out = await etcdop(['run', '--namespace', own.ns, '--task-queue', writer.taskQueue, '--http-address', '127.0.0.1:0'], env);
      assert.notEqual(out.code, 0, `etcdop run with a writer's token exited ${out.code}`);
      const lines = out.stderr.split('\n').filter((l) => l.trim());
      assert.equal(lines.length, 1, `one line on stderr:\n${out.stderr}`);
      const missing = ['EtcdClusterNamespace', 'EtcdClusterName', 'EtcdOperation'];
      assert.match(lines[0]!, new RegExp(`^etcdop: Temporal namespace ${bare} lacks the search attributes ${missing.join(', ')} and this operator may not register them \\(7 PERMISSION_DENIED: [^)]*\\); run: `), lines[0]);
      const commands = lines[0]!.split('; run: ')[1]!.split(' && ');
      assert.deepEqual(commands, missing.map((n) => `temporal operator search-attribute create --namespace ${bare} --name ${n} --type Keyword`));
      measured.writerRefusedSeconds = secs(out.ms);

      // What the administrator is told to run, as they would (the CLI's own words, split on spaces).
      for (const c of commands) serverAdminCli(c.split(' ').slice(1));
      // Through a proxy of its own, so Temporal can go away for this operator alone.
      link = await tcpProxy(Number(process.env.TEMPORAL_ADDRESS!.split(':')[1]));
      writer.start({ ...bundle, TEMPORAL_NAMESPACE: bare, TEMPORAL_API_KEY: env.TEMPORAL_API_KEY, TEMPORAL_ADDRESS: `127.0.0.1:${link.port}` });
      const url = await healthUrl(writer.logFile);
      await waitFor('/readyz 200 of the operator with the writer\'s token', async () => (await readyz(url)).status === 200, { timeoutMs: 120_000, intervalMs: 500 });
      assert.doesNotMatch(readFileSync(writer.logFile, 'utf8'), /registered the search attributes/, 'it found them registered, it did not register them');

      // Temporal unreachable, then SIGTERM (a rollout or a node drain during an outage): a clean stop.
      await link.close();
      await waitFor('/readyz 503 naming Temporal', async () => { const r = await readyz(url); return r.status === 503 && /^temporal: /m.test(r.body); }, { timeoutMs: 60_000, intervalMs: 500 });
      const how = writer.exited();
      const t0 = Date.now();
      await writer.kill('SIGTERM');
      assert.equal(await how, '0', `exit after SIGTERM while Temporal is away (log: ${writer.logFile})`);
      assert.match(readFileSync(writer.logFile, 'utf8'), /"msg":"operator stopped"/);
      measured.sigtermWhileTemporalAwaySeconds = secs(Date.now() - t0);
    } finally {
      await writer.stop();
      await link?.close();
      own.cleanup();
      try { serverAdminCli(['operator', 'namespace', 'delete', '--namespace', bare, '--yes']); } catch (err) { console.error(`deleting Temporal namespace ${bare}: ${String(err)}`); }
    }
  });

  it('Temporal and its PostgreSQL stopped for 60 s in the middle of a resize 3 -> 5: the operator stays up and unready meanwhile, and the resize completes, each member added and promoted once', { timeout: 900_000 }, async () => {
    const since = new Date(Date.now() - 1000);
    const t0 = Date.now();
    kubectl(['patch', 'etcdcluster', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size: 5 } })]);
    const opId = await waitFor('the scale operation under way', () => {
      const op = (getCluster(ns, NAME).status?.operation ?? {}) as { type?: string; workflowId?: string };
      return /scale/i.test(op.type ?? '') && op.workflowId;
    }, { timeoutMs: 120_000, intervalMs: 250 });
    measured.resizeRunningWhenStopped = await activityRunning(opId);
    await outage('resizeOutage');
    const c = await waitConverged(ns, NAME, 5, 600_000);
    measured.resize3to5Seconds = secs(Date.now() - t0);
    assert.equal(new Set(c.status!.members!.map((m) => m.id)).size, 5, 'five distinct members');
    assert.equal(c.status!.observedGeneration, c.metadata.generation);
    const done = await completedActivities(client!, ns, NAME, since);
    assert.equal(done.get('addLearner'), 2, `each new member added once: ${JSON.stringify([...done])}`);
    assert.equal(done.get('promoteLearner'), 2, `each learner promoted once: ${JSON.stringify([...done])}`);
    assert.equal(exitedWith, undefined, 'the operator never exited');
  });

  it('Temporal and its PostgreSQL stopped for 60 s while a backup streams its snapshot: the backup Succeeds with one stored object and its hash in status', { timeout: 900_000 }, async () => {
    // About 2 MB of data, uploaded through a link of 200 kB/s: the snapshot streams for ~10 s.
    await writeKeys(clientServiceEndpoint(ns, NAME), 'bulk', 200, 10_000);
    proxy = await slowUploadProxy(Number(new URL(process.env.AWS_ENDPOINT_URL_S3!).port), 200_000);
    const t0 = Date.now();
    kubectl(['apply', '-n', ns, '-f', '-'], backupYaml('b-outage', { clusterName: NAME, destination: { s3: { bucket: bucket(), prefix, credentialsSecret: secret, endpoint: proxy.url, forcePathStyle: true } } }));
    const workflowId = backupWorkflowId(await waitFor('the EtcdBackup', () => getBackup(ns, 'b-outage').metadata) as { namespace: string; name: string; uid: string }, NAME);
    await activityRunning(workflowId, 'takeSnapshot');
    await outage('backupOutage');
    const b = await waitBackupDone(ns, 'b-outage', 600_000);
    measured.backupUnderOutageSeconds = secs(Date.now() - t0);
    assert.equal(b.status?.phase, 'Succeeded', JSON.stringify(b.status));
    await assertOneStoredObject('b-outage');
    const history = await client!.workflow.getHandle(workflowId).fetchHistory();
    assert.equal(completedInHistory(history).get('takeSnapshot'), 1, 'the snapshot step completed once');
    measured.takeSnapshotAttempts = (history.events ?? []).flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
    // Deleted while the link it was stored through is up: its object goes with it.
    const location = b.status!.location!;
    await deleteAndWait('etcdbackups.etcd.operator.dev', ['b-outage'], 120_000);
    assert.equal(await objectDigest(location), undefined, 'the stored object deleted with its EtcdBackup');
    assert.equal(exitedWith, undefined, 'the operator never exited');
  });

  it('Temporal restarted while the operator idles: no workflow lost, and a spec change made afterwards (5 -> 3) is delivered and converges', { timeout: 600_000 }, async () => {
    const c = await waitConverged(ns, NAME, 5, 300_000);
    const loopId = clusterWorkflowId({ namespace: ns, name: NAME, uid: c.metadata.uid! });
    const query = `TaskQueue = '${operator!.taskQueue}' AND ExecutionStatus = 'Running'`;
    const running = async () => { const ids: string[] = []; for await (const w of client!.workflow.list({ query })) ids.push(w.workflowId); return ids.sort(); };
    const before = await running();
    assert.ok(before.includes(loopId), `the cluster workflow runs: ${before.join(', ')}`);

    await outage('idleRestart', 0);
    assert.equal((await client!.workflow.getHandle(loopId).describe()).status.name, 'RUNNING', 'the cluster workflow still runs');
    assert.deepEqual(await running(), before, 'the same workflows run as before the restart');

    const patchedAt = Date.now();
    kubectl(['patch', 'etcdcluster', '-n', ns, NAME, '--type=merge', '-p', JSON.stringify({ spec: { size: 3 } })]);
    const generation = getCluster(ns, NAME).metadata.generation;
    const signalled = await waitFor('specChanged signalled after the restart', async () => {
      const h = await client!.workflow.getHandle(loopId).fetchHistory();
      const e = (h.events ?? []).find((x) => x.workflowExecutionSignaledEventAttributes?.signalName === 'specChanged' && Number(x.eventTime?.seconds ?? 0) * 1000 >= patchedAt - 1000);
      return e && Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);
    }, { timeoutMs: 60_000, intervalMs: 500 });
    measured.signalDeliveredSeconds = secs(signalled - patchedAt);
    const done = await waitConverged(ns, NAME, 3, 600_000);
    assert.equal(done.status!.observedGeneration, generation);
    measured.resize5to3Seconds = secs(Date.now() - patchedAt);
    assert.equal(exitedWith, undefined, 'the operator never exited');
  });
});
