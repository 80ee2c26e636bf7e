// Informer on EtcdCluster objects (all namespaces, or one): every add/update/relist goes through
// the planner. Watch errors restart the informer with backoff; they never end the process.
import { makeInformer, type Informer, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Kube } from '../activities/kube-client.ts';
import { ETCD_CLUSTER, GROUP, VERSION } from '../k8s/api.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import type { Dispatcher } from './dispatcher.ts';

export class ClusterWatcher {
  private informer?: Informer<KubernetesObject>;
  private stopped = false;
  private backoffMs = 1000;

  constructor(private readonly kube: Kube, private readonly dispatcher: Dispatcher, private readonly log: Logger, private readonly namespace?: string) {}

  async start(): Promise<void> {
    const path = this.namespace
      ? `/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${ETCD_CLUSTER.plural}`
      : `/apis/${GROUP}/${VERSION}/${ETCD_CLUSTER.plural}`;
    const list = () => (this.namespace
      ? this.kube.custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.namespace, plural: ETCD_CLUSTER.plural })
      : this.kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: ETCD_CLUSTER.plural })) as never;
    const informer = makeInformer<KubernetesObject>(this.kube.config, path, list);
    const onObject = (obj: KubernetesObject) => { void this.dispatch(obj as EtcdCluster); };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', (obj) => { if (obj.metadata?.uid) this.dispatcher.forget(obj.metadata.uid); });
    informer.on('connect', () => { this.backoffMs = 1000; });
    informer.on('error', (err) => {
      if (this.stopped) return;
      this.log.warn({ err: String(err), retryInMs: this.backoffMs }, 'watch failed; restarting');
      setTimeout(() => { if (!this.stopped) informer.start().catch((e) => this.log.warn({ err: String(e) }, 'informer restart failed')); }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    });
    this.informer = informer;
    await informer.start();
    this.log.info({ namespace: this.namespace ?? '(all)' }, 'watching EtcdClusters');
  }

  private async dispatch(obj: EtcdCluster): Promise<void> {
    try {
      await this.dispatcher.handle(obj);
    } catch (err) {
      // Level-triggered: the next event or relist plans this object again.
      this.log.error({ cluster: `${obj.metadata.namespace}/${obj.metadata.name}`, err: String(err) }, 'dispatch failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }
}
