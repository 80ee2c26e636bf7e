// An in-memory API server, just enough for the activities under test: objects by kind, namespace
// and name; create answers 409 for a name taken; a merge patch honours its resourceVersion
// precondition; every write is recorded.
import { ApiException, type KubernetesObject, type V1ObjectMeta } from '@kubernetes/client-node';
import type { Kube } from '../../k8s/kube-client.ts';
import { UID } from './cluster-fixture.ts';

export type Obj = KubernetesObject & Record<string, unknown>;
const id = (o: KubernetesObject) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`;
const notFound = () => new ApiException(404, 'not found', '{"message":"not found"}', {});

/** `spec`: the EtcdCluster db/prod's spec (uid UID); the EtcdUser prod/app (uid user-uid) names it. */
export function fakeKube(spec: Record<string, unknown> = {}) {
  const objects = new Map<string, Obj>();
  const writes: string[] = [];
  const put = (o: Obj) => { objects.set(id(o), structuredClone(o)); };
  const secret = (namespace: string, name: string) => objects.get(`Secret/${namespace}/${name}`);
  const cr = { metadata: { name: 'db', namespace: 'prod', uid: UID, generation: 1 }, spec };
  const kube = {
    read: async (o: KubernetesObject) => structuredClone(objects.get(id(o))),
    apply: async (o: Obj) => { writes.push(`apply ${id(o)}`); put(o); return o; },
    create: async (o: Obj) => {
      if (objects.has(id(o))) throw new ApiException(409, 'exists', '{}', {});
      writes.push(`create ${id(o)}`); put(o); return o;
    },
    delete: async (o: KubernetesObject) => { writes.push(`delete ${id(o)}`); return objects.delete(id(o)); },
    mergePatch: async (o: KubernetesObject, patch: { metadata: V1ObjectMeta }) => {
      const cur = objects.get(id(o))!;
      writes.push(`patch ${id(o)}`);
      const { ownerReferences, labels, annotations, resourceVersion } = patch.metadata;
      if (resourceVersion && resourceVersion !== (cur.metadata as V1ObjectMeta).resourceVersion) throw new ApiException(409, 'conflict', '{}', {});
      const meta = cur.metadata as V1ObjectMeta;
      if (ownerReferences === null) delete meta.ownerReferences; else if (ownerReferences) meta.ownerReferences = ownerReferences;
      meta.labels = { ...meta.labels, ...labels };
      if (annotations) meta.annotations = { ...meta.annotations, ...annotations };
    },
    listEndpointSlices: async (namespace: string, service: string) => [...objects.values()]
      .filter((o) => o.kind === 'EndpointSlice' && o.metadata?.namespace === namespace && o.metadata.labels?.['kubernetes.io/service-name'] === service),
    getCluster: async () => cr,
    custom: {
      getNamespacedCustomObject: async () => ({ metadata: { name: 'app', namespace: 'prod', uid: 'user-uid', generation: 1 }, spec: { clusterName: 'db', username: 'app', roles: [] } }),
    },
    listPods: async () => [],
    core: {
      readNamespacedSecret: async ({ namespace, name }: { namespace: string; name: string }) => { const s = secret(namespace, name); if (!s) throw notFound(); return structuredClone(s); },
      createNamespacedSecret: async ({ body }: { body: Obj }) => {
        if (objects.has(id({ ...body, kind: 'Secret' }))) throw new ApiException(409, 'exists', '{}', {});
        const data = Object.fromEntries(Object.entries((body.stringData ?? {}) as Record<string, string>).map(([n, v]) => [n, Buffer.from(v).toString('base64')]));
        writes.push(`create ${id({ ...body, kind: 'Secret' })}`); put({ ...body, kind: 'Secret', data });
      },
      listNamespacedPersistentVolumeClaim: async ({ labelSelector }: { labelSelector: string }) => ({
        items: [...objects.values()].filter((o) => o.kind === 'PersistentVolumeClaim')
          .filter((o) => !(labelSelector.includes('!etcd.operator.dev/removed-member') && (o.metadata as V1ObjectMeta).labels?.['etcd.operator.dev/removed-member'])),
      }),
    },
  };
  return { kube: kube as unknown as Kube, objects, writes, put, cr };
}
