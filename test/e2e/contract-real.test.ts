// The contract cases (test/contract/cases.ts) against the real activities on the local stack: the
// API server, the S3 server and, for a restore, a real restore pod. Each activity is called directly
// (in an activity context, as a worker would run it), in a namespace no operator watches, so only the
// case's own calls change anything. The same cases run against the fakes in
// test/workflows/contract-fakes.test.ts.
import { describe, it, before, after } from 'node:test';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { Kube } from '../../k8s/kube-client.ts';
import { createActivities, type Activities } from '../../activities/index.ts';
import { loadCluster } from '../../activities/kube/cluster.ts';
import { RESTORED_ANNOTATION } from '../../activities/backups/restore.ts';
import { LABELS, pvcName } from '../../k8s/api.ts';
import { memberPVC } from '../../k8s/manifests/member-pvc.ts';
import { belongsTo, selectorString } from '../../k8s/manifests/owner.ts';
import type { ClusterKey } from '../../domain/types.ts';
import { cases, sha256, statusView, type ContractWorld, type StatusView, type VolumeView } from '../contract/cases.ts';
import { inActivity } from '../support/activity-context.ts';
import { bucket, createS3Secret, loopbackSnapshot, putObject, s3 } from '../support/backups.ts';
import { clusterYaml, getCluster } from '../support/clusters.ts';
import { kubectl, kubectlJson, tempNamespace } from '../support/kube.ts';
import { OperatorProcess } from '../support/operator.ts';
import { ensureStack } from '../support/stack.ts';

describe('contract: the real activities', () => {
  let ns: string;
  let cleanup = () => {};
  let kube: Kube;
  let acts: Activities;
  let secret: string;
  let snapshot: Buffer | undefined;
  const stored: string[] = [];

  before(() => {
    ensureStack();
    OperatorProcess.installCrds();
    ({ ns, cleanup } = tempNamespace('e2e-contract'));
    kube = Kube.fromDefault();
    acts = createActivities({ kube, defaultRepository: process.env.ETCD_IMAGE_REPOSITORY!, toolsImage: process.env.ETCD_OPERATOR_TOOLS_IMAGE! });
    secret = createS3Secret(ns);
  });
  after(async () => {
    const store = s3();
    try {
      for (const key of stored) await store.send(new DeleteObjectCommand({ Bucket: bucket(), Key: key }));
    } finally { store.destroy(); }
    cleanup();
  });

  const pvcHeader = (key: ClusterKey, member: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { namespace: key.namespace, name: pvcName(member) } });

  const world = (): ContractWorld => ({
    name: 'real',
    call<N extends keyof Activities>(activity: N, ...args: Parameters<Activities[N]>) {
      const fn = acts[activity] as (...a: Parameters<Activities[N]>) => Promise<unknown>;
      return inActivity(activity, () => fn(...args)) as ReturnType<Activities[N]>;
    },
    async cluster(name, { size, retainOnDelete = false }) {
      kubectl(['apply', '-n', ns, '-f', '-'], clusterYaml(name, { size, version: '3.6.16', storage: { size: '64Mi', retainOnDelete } }));
      const key: ClusterKey = { namespace: ns, name, uid: getCluster(ns, name).metadata.uid };
      // Each member's volume exactly as applyMember makes it (no pod: nothing runs).
      const c = await loadCluster(kube, key);
      for (let i = 0; i < size; i++) await kube.apply(memberPVC(c!.ref, `${name}-${i}`));
      return key;
    },
    async markRestored(key, member, sha256) {
      const h = pvcHeader(key, member);
      await kube.mergePatch(h, { metadata: { ...h.metadata, annotations: { [RESTORED_ANNOTATION]: sha256 } } });
    },
    async volumes(key): Promise<VolumeView[]> {
      const list = kubectlJson<{ items: V1PersistentVolumeClaim[] }>(['get', 'pvc', '-n', ns, '-l', selectorString(key.name)]).items;
      // A deleted claim may linger a moment for its protection finalizer: it is gone for the cluster.
      return list.filter((v) => belongsTo(v.metadata, key.uid) && !v.metadata?.deletionTimestamp).map((v) => {
        const restored = v.metadata?.annotations?.[RESTORED_ANNOTATION];
        return {
          name: v.metadata!.name!,
          owned: Boolean(v.metadata?.ownerReferences?.some((o) => o.uid === key.uid)),
          removedMember: v.metadata?.labels?.[LABELS.removed] === 'true',
          setAside: v.metadata?.labels?.[LABELS.setAside] === 'recovery',
          ...(restored && { restoredSha256: restored }),
        };
      }).sort((a, b) => a.name.localeCompare(b.name));
    },
    async status(key) {
      return statusView(kubectlJson<{ status?: StatusView }>(['get', 'etcdcluster', '-n', ns, key.name]).status ?? {});
    },
    async storeSnapshot(_key, name, bytes) {
      const objectKey = `contract/${ns}/${name}.db`;
      const location = await putObject(objectKey, bytes);
      stored.push(objectKey);
      return {
        location, sha256: sha256(bytes), sizeBytes: bytes.length, backupName: name, revision: 1, etcdVersion: '3.6.16',
        s3: { bucket: bucket(), endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true, region: process.env.AWS_REGION, credentialsSecret: secret },
      };
    },
    async etcdSnapshot() {
      snapshot ??= await loopbackSnapshot('127.0.0.8', async (etcd) => {
        const c = etcd.client([1]);
        try {
          for (let i = 0; i < 10; i++) await c.put(`contract/${i}`).value(`v${i}`);
        } finally { c.close(); }
      });
      return snapshot;
    },
  });

  for (const c of cases) {
    it(c.name, { timeout: c.timeoutMs ?? 60_000 }, () => c.run(world()));
  }
});

