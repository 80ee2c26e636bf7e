// The operator's one Kubernetes client: server-side apply with one field manager, merge patches
// (incl. the status subresource), reads, deletes. "Not found"/"already exists" are reported, not thrown,
// so activities can treat them as the goal reached.
import {
  ApiException, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, setHeaderOptions,
  type KubernetesObject, type V1Pod, type CoreV1Event, type V1EndpointSlice,
} from '@kubernetes/client-node';
import { ETCD_CLUSTER, FIELD_MANAGER, GROUP, VERSION } from './api.ts';
import type { EtcdCluster } from './etcd-cluster.ts';
import { bounded, EVENT_MESSAGE_MAX, fitClusterStatus } from './status-text.ts';
import { mergePatchIsNoop } from './merge-patch.ts';

export const isNotFound = (err: unknown) => err instanceof ApiException && err.code === 404;
export const isConflict = (err: unknown) => err instanceof ApiException && err.code === 409;
export const isNamespaceTerminating = (err: unknown) => err instanceof ApiException && err.code === 403 && /because it is being terminated/.test(String(err.body));

/** verb: the HTTP method, or WATCH; resource: the path segment that names it (pods, etcdclusters, ...). */
export type OnKubeRequest = (verb: string, resource: string) => void;

/** The resource a request's path names: `/api/v1/namespaces/x/pods/y/status` -> `pods`. */
export function resourceOf(url: string): string {
  const parts = new URL(url, 'http://x').pathname.split('/').filter(Boolean);
  const rest = parts[0] === 'api' ? parts.slice(2) : parts[0] === 'apis' ? parts.slice(3) : [];
  if (rest[0] === 'namespaces' && rest[2]) return rest[2];
  return rest[0] ?? 'other';
}

/** Every request the clients of this configuration make passes here: API calls and watches alike. */
class CountingKubeConfig extends KubeConfig {
  constructor(private readonly onRequest: OnKubeRequest) { super(); }

  override async applySecurityAuthentication(context: Parameters<KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
    this.onRequest(String(context.getHttpMethod()), resourceOf(context.getUrl()));
    return super.applySecurityAuthentication(context);
  }

  override async applyToFetchOptions(opts: Parameters<KubeConfig['applyToFetchOptions']>[0]) {
    // The client library uses this for watches only (API calls go through the method above).
    this.onRequest('WATCH', 'watch');
    return super.applyToFetchOptions(opts);
  }
}

export class Kube {
  readonly objects: KubernetesObjectApi;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  readonly discovery: DiscoveryV1Api;

  constructor(readonly config: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(config);
    this.core = config.makeApiClient(CoreV1Api);
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.discovery = config.makeApiClient(DiscoveryV1Api);
  }

  /** `onRequest`: told of every request the client makes (the operator counts them in its metrics). */
  static fromDefault(onRequest?: OnKubeRequest): Kube {
    const kc = onRequest ? new CountingKubeConfig(onRequest) : new KubeConfig();
    kc.loadFromDefault();
    // With no kubeconfig and no in-cluster account the library falls back to http://localhost:8080.
    if (kc.getCurrentCluster()?.server === 'http://localhost:8080') {
      throw new Error('no Kubernetes configuration found: set KUBECONFIG (for the local stack: eval "$(npm run -s stack:env)")');
    }
    return new Kube(kc);
  }

  /** The current context's namespace, or `default` (what kubectl uses when no -n is given). */
  defaultNamespace(): string {
    return this.config.getContextObject(this.config.getCurrentContext())?.namespace || 'default';
  }

  /** Server-side apply: absolute desired state, idempotent by construction. */
  async apply<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.objects.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  /** Creates (POST): never touches an object that exists, which answers 409 (see isConflict). */
  async create<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.objects.create(obj, undefined, undefined, FIELD_MANAGER);
  }

  /** Deletes; true if it was there. */
  async delete(obj: KubernetesObject, propagationPolicy = 'Background'): Promise<boolean> {
    try {
      await this.objects.delete(obj, undefined, undefined, undefined, undefined, propagationPolicy);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async read<T extends KubernetesObject>(obj: KubernetesObject): Promise<T | undefined> {
    try {
      return await this.objects.read(obj as never) as T;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async mergePatch(obj: KubernetesObject, patch: object): Promise<void> {
    await this.objects.patch({ ...obj, ...patch } as KubernetesObject, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch);
  }

  async getCluster(namespace: string, name: string): Promise<EtcdCluster | undefined> {
    try {
      return await this.custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name }) as EtcdCluster;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Read-modify-write of the status with the read's resourceVersion as a precondition: a concurrent
   * writer makes the patch fail with 409 and it is computed again from the newer object, so no
   * writer overwrites another's fields. Skips a cluster that is gone or replaced by a namesake.
   * Free text is cut to the CRD's maxLength (fitClusterStatus), so no write fails on a long name.
   */
  async updateClusterStatus(namespace: string, name: string, uid: string, build: (obj: EtcdCluster) => object | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const obj = await this.getCluster(namespace, name);
      if (!obj || obj.metadata.uid !== uid) return;
      const status = build(obj);
      if (!status) return;
      const fitted = fitClusterStatus(status);
      if (mergePatchIsNoop(obj.status ?? {}, fitted)) return;
      try {
        await this.custom.patchNamespacedCustomObjectStatus(
          { group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name, body: { metadata: { resourceVersion: obj.metadata.resourceVersion }, status: fitted } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      } catch (err) {
        if (!isConflict(err) || attempt >= 10) throw err;
      }
    }
  }

  async patchCluster(namespace: string, name: string, patch: object): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: ETCD_CLUSTER.plural, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async listPods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    return (await this.core.listNamespacedPod({ namespace, labelSelector })).items;
  }

  async listEndpointSlices(namespace: string, serviceName: string): Promise<V1EndpointSlice[]> {
    return (await this.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${serviceName}` })).items;
  }

  /**
   * Creates an Event (message cut to EVENT_MESSAGE_MAX); already there (a retry), or a namespace
   * gone or terminating, is success: no one can read it.
   */
  async createEvent(event: CoreV1Event): Promise<void> {
    const body = event.message === undefined ? event : { ...event, message: bounded(event.message, EVENT_MESSAGE_MAX) };
    try {
      await this.core.createNamespacedEvent({ namespace: event.metadata.namespace!, body });
    } catch (err) {
      if (isConflict(err) || isNotFound(err) || isNamespaceTerminating(err)) return;
      throw err;
    }
  }
}
