// Every pod the operator makes in a cluster's namespace passes the Pod Security "restricted"
// profile (checked field by field as the admission plugin does), so namespaces that enforce it run
// clusters, backups, restores and upgrades unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { fileRemoverPod, imageCheckPod, restorePod, snapshotReceiverPod } from '../../k8s/manifests/backup-pods.ts';
import { memberPod } from '../../k8s/manifests/member-pod.ts';
import { ETCD_UID } from '../../k8s/manifests/security.ts';
import { OWNER, cluster } from './cluster-fixture.ts';

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** What the restricted profile (v1.33) would refuse in this pod; empty when it passes. */
function restrictedViolations(pod: V1Pod): string[] {
  const spec = pod.spec!;
  const out: string[] = [];
  const containers: V1Container[] = [...(spec.initContainers ?? []), ...spec.containers];
  for (const v of spec.volumes ?? []) {
    const kinds = Object.keys(v).filter((k) => k !== 'name');
    if (!kinds.every((k) => ALLOWED_VOLUMES.includes(k))) out.push(`volume ${v.name} is ${kinds}`);
  }
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) out.push('host namespaces');
  const podCtx = spec.securityContext ?? {};
  for (const c of containers) {
    const ctx = c.securityContext ?? {};
    if (ctx.privileged) out.push(`${c.name}: privileged`);
    if (ctx.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation must be false`);
    if (!(ctx.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: must drop ALL capabilities`);
    if ((ctx.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) out.push(`${c.name}: adds capabilities`);
    if ((ctx.runAsNonRoot ?? podCtx.runAsNonRoot) !== true) out.push(`${c.name}: runAsNonRoot must be true`);
    if ((ctx.runAsUser ?? podCtx.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = ctx.seccompProfile?.type ?? podCtx.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    if (c.ports?.some((p) => p.hostPort)) out.push(`${c.name}: hostPort`);
  }
  return out;
}

const owner = OWNER;
const file = { namespace: 'prod', name: 'h', owner, claimName: 'backups', file: 'db/s.db', toolsImage: 'busybox:1.36' };
const pods: [string, V1Pod][] = [
  ['a member pod (PVC)', memberPod({ cluster: cluster(), member: 'db-0', initialCluster: 'db-0=http://x:2380', initialClusterState: 'new', image: 'etcd:v3.6.16' })],
  ['a member pod (emptyDir, scheduling options)', memberPod({ cluster: cluster({ storage: { emptyDir: true }, pod: { nodeSelector: { a: 'b' }, priorityClassName: 'p' } }), member: 'db-0', initialCluster: '', initialClusterState: 'existing', image: 'etcd:v3.6.16' })],
  ['a joining member pod (join gate, resources)', memberPod({ cluster: cluster({ pod: { resources: { limits: { cpu: '1', memory: '1Gi' } } } }), member: 'db-3', initialCluster: '', initialClusterState: 'existing', image: 'etcd:v3.6.16', learner: true, joinGate: { image: 'busybox:1.36' } })],
  ['the snapshot receiver', snapshotReceiverPod({ ...file, transfer: 'pod-network' })],
  ['the snapshot remover', fileRemoverPod(file)],
  ['a restore pod (stream)', restorePod({ namespace: 'prod', name: 'r', owner, dataClaim: 'data-db-0', source: { stream: true, transfer: 'pod-network' }, sha256: 'x', toolsImage: 'busybox:1.36', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://x:2380', token: 't', peerURL: 'http://x:2380' } })],
  ['a restore pod (from a backup claim)', restorePod({ namespace: 'prod', name: 'r', owner, dataClaim: 'data-db-0', source: { claimName: 'backups', file: 'db/s.db' }, sha256: 'x', toolsImage: 'busybox:1.36', etcdImage: 'etcd:v3.6.16', member: { name: 'db-0', initialCluster: 'db-0=http://x:2380', token: 't', peerURL: 'http://x:2380' } })],
  ['the image check pod', imageCheckPod({ namespace: 'prod', name: 'c', owner, image: 'etcd:v3.6.16' })],
];

describe('pod security: every pod the operator makes passes the restricted profile', () => {
  for (const [name, pod] of pods) {
    it(`${name} passes`, () => assert.deepEqual(restrictedViolations(pod), []));
    it(`${name} runs as the etcd user (${ETCD_UID}), with no service account token`, () => {
      assert.equal(pod.spec!.securityContext?.runAsUser, ETCD_UID);
      assert.equal(pod.spec!.securityContext?.fsGroup, ETCD_UID, 'volumes that support ownership belong to the member\'s user');
      assert.equal(pod.spec!.automountServiceAccountToken, false);
    });
  }
  it('member containers have a read-only root filesystem (etcd writes only its data volume)', () =>
    assert.equal(pods[0]![1].spec!.containers[0]!.securityContext?.readOnlyRootFilesystem, true));
  it('the checker itself refuses a pod with default privileges', () => {
    const bare: V1Pod = { spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'h', hostPath: { path: '/' } }] } };
    assert.deepEqual(restrictedViolations(bare), [
      'volume h is hostPath',
      'c: allowPrivilegeEscalation must be false',
      'c: must drop ALL capabilities',
      'c: runAsNonRoot must be true',
      'c: seccompProfile must be RuntimeDefault or Localhost',
    ]);
  });
});
