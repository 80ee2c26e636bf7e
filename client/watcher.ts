// Informer on EtcdCluster objects (all namespaces, or one): every add/update/relist goes through
// the planner. Watch errors restart the informer with backoff; they never end the process.
import { makeInformer, type Informer, type KubernetesObject, type ObjectCache, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Kube } from '../k8s/kube-client.ts';
import { ETCD_CLUSTER, LABELS, MANAGED_BY } from '../k8s/api.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import type { Dispatcher } from './dispatcher.ts';
import { customObjectInformer, type CustomInformer } from './custom-informer.ts';
import { InformerHealth, restartOnError } from './informer-restart.ts';

export class ClusterWatcher {
  private informer?: CustomInformer;
  private podInformer?: Informer<V1Pod> & ObjectCache<V1Pod>;
  private stopped = false;
  private resyncTimer?: NodeJS.Timeout;
  readonly health = new InformerHealth();
  /** Called with every cluster added or updated (the metrics' leader tracking). */
  onCluster?: (obj: EtcdCluster) => void;

  /**
   * resyncMs: every object is planned again this often, so a dispatch that failed (Temporal down) is
   * retried and a cluster workflow that ended is running again within one period.
   */
  constructor(private readonly kube: Kube, private readonly dispatcher: Dispatcher, private readonly log: Logger, private readonly namespace?: string, private readonly resyncMs = 30_000) {}

  /** The clusters in the informer's cache. */
  clusters(): EtcdCluster[] {
    return (this.informer?.list() ?? []) as EtcdCluster[];
  }

  async start(): Promise<void> {
    const informer = customObjectInformer(this.kube, ETCD_CLUSTER.plural, this.namespace);
    const onObject = (obj: KubernetesObject) => { this.onCluster?.(obj as EtcdCluster); void this.dispatch(obj as EtcdCluster); };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', (obj) => {
      const { namespace, name, uid } = obj.metadata ?? {};
      if (namespace && name && uid) this.dispatcher.forget({ namespace, name, uid });
    });
    const what = `etcdclusters in ${this.namespace ?? 'all namespaces'}`;
    restartOnError(informer, what, this.log, () => this.stopped, this.health);
    this.informer = informer;
    await this.health.start(informer, what);
    await this.watchPods();
    this.scheduleResync();
    this.log.info({ namespace: this.namespace ?? '(all)' }, 'watching EtcdClusters');
  }

  /**
   * Level-triggered resync: the informer's cache planned again (and member pods re-signalled) on a
   * timer; each cluster's workflow is looked at too, and started again if it ended (dispatcher).
   */
  private scheduleResync(): void {
    this.resyncTimer = setTimeout(() => {
      if (this.stopped) return;
      for (const obj of this.informer?.list() ?? []) void this.dispatch(obj as EtcdCluster, true);
      for (const pod of this.podInformer?.list() ?? []) this.dispatcher.podChanged(pod).catch((err: unknown) => this.log.warn({ err: String(err) }, 'pod resync failed'));
      this.scheduleResync();
    }, this.resyncMs);
    this.resyncTimer.unref();
  }

  /** Member pods (for status now, failover later): readiness flips and deletions. */
  private async watchPods(): Promise<void> {
    const selector = `${LABELS.managedBy}=${MANAGED_BY}`;
    const path = this.namespace ? `/api/v1/namespaces/${this.namespace}/pods` : '/api/v1/pods';
    const list = () => (this.namespace
      ? this.kube.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector })
      : this.kube.core.listPodForAllNamespaces({ labelSelector: selector })) as never;
    const informer = makeInformer<V1Pod>(this.kube.config, path, list, selector);
    const safe = (p: Promise<void>) => { p.catch((err) => this.log.warn({ err: String(err) }, 'pod dispatch failed')); };
    informer.on('add', (pod) => safe(this.dispatcher.podChanged(pod)));
    informer.on('update', (pod) => safe(this.dispatcher.podChanged(pod)));
    informer.on('delete', (pod) => safe(this.dispatcher.podChanged(pod, true)));
    const what = `member pods in ${this.namespace ?? 'all namespaces'}`;
    restartOnError(informer, what, this.log, () => this.stopped, this.health);
    this.podInformer = informer;
    await this.health.start(informer, what);
  }

  private async dispatch(obj: EtcdCluster, resync = false): Promise<void> {
    try {
      await this.dispatcher.handle(obj, { resync });
    } catch (err) {
      // Level-triggered: the next event or relist plans this object again.
      this.log.error({ cluster: `${obj.metadata.namespace}/${obj.metadata.name}`, err: String(err) }, 'dispatch failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.resyncTimer);
    await this.informer?.stop();
    await this.podInformer?.stop();
  }
}
