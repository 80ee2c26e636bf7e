// Informer on EtcdUser objects: every add, update and deletion (held by our finalizer) signals the
// user's workflow, starting it if needed (signal-with-start on `etcduser-<uid>`, so relists and
// repeats are harmless). The workflow reads the object itself and decides; the watcher only wakes it.
import { LONG_LIVED_TASK_TIMEOUT } from './dispatcher.ts';
import type { Client } from '@temporalio/client';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Kube } from '../k8s/kube-client.ts';
import { ETCD_USER, FINALIZER } from '../k8s/api.ts';
import { legacyUserWorkflowId, userWorkflowId } from '../domain/ids.ts';
import { WorkflowIds } from './workflow-ids.ts';
import { userChangedSignal } from '../workflows/messages.ts';
import { customObjectInformer, type CustomInformer } from './custom-informer.ts';
import { InformerHealth, restartOnError } from './informer-restart.ts';

/** Pure: whether this EtcdUser object needs its workflow (a deleted one only while our finalizer holds it). */
export const userNeedsWorkflow = (obj: KubernetesObject): boolean =>
  !obj.metadata?.deletionTimestamp || Boolean(obj.metadata.finalizers?.includes(FINALIZER));

export class UserWatcher {
  private informer?: CustomInformer;
  private stopped = false;
  readonly health = new InformerHealth();
  private timer?: NodeJS.Timeout;

  private readonly ids: WorkflowIds;

  constructor(private readonly kube: Kube, private readonly client: Client, private readonly taskQueue: string, private readonly log: Logger, private readonly namespace?: string, private readonly resyncMs = 5 * 60_000) {
    this.ids = new WorkflowIds(client);
  }

  async start(): Promise<void> {
    const informer = customObjectInformer(this.kube, ETCD_USER.plural, this.namespace);
    const on = (obj: KubernetesObject) => { void this.handle(obj); };
    informer.on('add', on);
    informer.on('update', on);
    const what = `etcdusers in ${this.namespace ?? 'all namespaces'}`;
    restartOnError(informer, what, this.log, () => this.stopped, this.health);
    this.informer = informer;
    // A missing CRD or permission must not stop the operator: the informer retries with backoff.
    await this.health.start(informer, what).catch((err: unknown) => this.log.warn({ what, err: String(err) }, 'watch failed; retrying'));
    this.resync();
  }

  /** Now and then every user's workflow is signalled again (started if it was lost). */
  private resync(): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      for (const obj of this.informer?.list() ?? []) void this.handle(obj);
      this.resync();
    }, this.resyncMs);
    this.timer.unref();
  }

  async handle(obj: KubernetesObject): Promise<void> {
    const { name, namespace, uid } = obj.metadata ?? {};
    if (!name || !namespace || !uid || !userNeedsWorkflow(obj)) return;
    const user = { namespace, name, uid };
    const cluster = (obj as { spec?: { clusterName?: string } }).spec?.clusterName ?? '';
    try {
      await this.client.workflow.signalWithStart('etcdUserWorkflow', {
        workflowId: await this.ids.of(userWorkflowId(user, cluster), legacyUserWorkflowId(user)),
        taskQueue: this.taskQueue, args: [{ user }], signal: userChangedSignal, signalArgs: [],
        staticSummary: `etcd user ${namespace}/${name} of EtcdCluster ${cluster}: kept as its spec says`,
        workflowTaskTimeout: LONG_LIVED_TASK_TIMEOUT,
      });
    } catch (err) {
      this.log.warn({ user: `${namespace}/${name}`, err: String(err) }, 'signalling the user workflow failed');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer?.stop();
  }
}
