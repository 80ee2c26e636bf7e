// The operator installed in the cluster against the real Temporal server with mTLS and JWT
// authorization, the way the README tells users to: deploy/components/temporal-mtls and
// temporal-cloud (the API key, sent as a bearer token) on the install, the client certificate, key
// and server CA in the Secret temporal-client-tls, a token for the namespace in the Secret
// temporal-api-key, TEMPORAL_ADDRESS in the config. The pods dial the server through the node IP
// (the stack's relay), verify its certificate and present theirs and the token.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureStack } from '../support/stack.ts';
import { kubectl, tempNamespace } from '../support/kube.ts';
import { clusterYaml, waitAvailable } from '../support/clusters.ts';
import { waitFor } from '../support/wait.ts';
import { serverEnv, serverToken, serverUp } from '../support/temporal-server.ts';
import { applyInstall, buildOperatorImage, deleteInstall, doctor, rolloutStatus, writeInstallOverlay, type Install } from '../support/install.ts';

describe('installed in the cluster against the real Temporal server with mTLS', () => {
  let app: string;
  let cleanupApp: () => void;
  let install: Install;
  let tls: Record<string, string>;

  before(() => {
    ensureStack();
    serverUp();
    tls = serverEnv();
    buildOperatorImage();
    ({ ns: app, cleanup: cleanupApp } = tempNamespace('e2e-inst-mtls'));
    const port = tls.TEMPORAL_ADDRESS!.split(':')[1];
    install = writeInstallOverlay({
      from: 'overlays/local-stack', suffix: `t${Date.now().toString(36)}`, watch: [app],
      components: ['components/temporal-mtls', 'components/temporal-cloud'], config: [`TEMPORAL_ADDRESS=10.244.0.1:${port}`],
    });
  });

  after(() => {
    kubectl(['delete', 'etcdclusters.etcd.operator.dev', '--all', '-n', app, '--wait=true', '--timeout=180s']);
    deleteInstall(install);
    kubectl(['delete', 'namespace', install.namespace, '--ignore-not-found', '--wait=true', '--timeout=120s']);
    cleanupApp();
  });

  it('with the Secrets temporal-client-tls and temporal-api-key, both replicas connect with mTLS and a token, become ready, and run a cluster', { timeout: 600_000 }, async () => {
    applyInstall(install);
    kubectl(['create', 'secret', 'generic', 'temporal-client-tls', '-n', install.namespace,
      `--from-file=tls.crt=${tls.TEMPORAL_TLS_CLIENT_CERT_PATH}`, `--from-file=tls.key=${tls.TEMPORAL_TLS_CLIENT_KEY_PATH}`, `--from-file=ca.crt=${tls.TEMPORAL_TLS_SERVER_CA_CERT_PATH}`]);
    // Administrator of its namespace only: enough to register its search attributes there.
    kubectl(['create', 'secret', 'generic', 'temporal-api-key', '-n', install.namespace, `--from-literal=api-key=${serverToken(`install-${install.namespace}`, 'default:admin')}`]);
    rolloutStatus(install);
    const logs = kubectl(['logs', '-n', install.namespace, `deploy/${install.deployment}`]);
    assert.match(logs, /"temporal":"10\.244\.0\.1:\d+ \(namespace default, mTLS, API key\)"/);
    // doctor from the host, with the server's client settings: the pods poll that server's task queue.
    // Given time for a 60 s outage of that server, which temporal-server.test.ts may be running now.
    let out = '';
    await waitFor('doctor sees both replicas polling the real server', () => {
      const d = doctor(install, { ...process.env, ...tls });
      out = d.output;
      return /ok\s+temporal\s+connected to 127\.0\.0\.1:\d+ \(namespace default, mTLS, API key\)/.test(out) && /ok\s+workers\s+2 polling/.test(out);
    }, { timeoutMs: 180_000, intervalMs: 2000 }).catch((err: Error) => { throw new Error(`${err.message}\n${out}`); });
    kubectl(['apply', '-n', app, '-f', '-'], clusterYaml('mtls', { size: 1, storage: { size: '64Mi' } }));
    await waitAvailable(app, 'mtls', 240_000);
  });
});
