// Informer on EtcdBackup objects: a new backup starts its workflow, a deleted one (still holding our
// finalizer) starts the workflow that deletes its stored snapshot. Starts are idempotent (workflow
// IDs from the backup's uid), so relists and the periodic resync are harmless.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Kube } from '../k8s/kube-client.ts';
import type { EtcdBackupObject } from '../k8s/backup-objects.ts';
import { ETCD_BACKUP, FINALIZER } from '../k8s/api.ts';
import { backupWorkflowId, deleteBackupWorkflowId, legacyBackupWorkflowId } from '../domain/ids.ts';
import { WorkflowIds } from './workflow-ids.ts';
import { clusterSearchAttributes } from '../domain/search-attributes.ts';
import type { BackupKey } from '../domain/types.ts';
import { customObjectInformer, type CustomInformer } from './custom-informer.ts';
import { InformerHealth, restartOnError } from './informer-restart.ts';

export type BackupPlan = { kind: 'none' } | { kind: 'backup' } | { kind: 'delete' };

/** Pure: what an EtcdBackup object needs now. */
export function planBackup(obj: EtcdBackupObject): BackupPlan {
  if (obj.metadata.deletionTimestamp) return obj.metadata.finalizers?.includes(FINALIZER) ? { kind: 'delete' } : { kind: 'none' };
  const phase = obj.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' ? { kind: 'none' } : { kind: 'backup' };
}

export class BackupWatcher {
  private informer?: CustomInformer;
  private stopped = false;
  readonly health = new InformerHealth();
  private timer?: NodeJS.Timeout;
  /** uid -> what was started, so our own status writes do not start it again. */
  private readonly started = new Map<string, BackupPlan['kind']>();

  private readonly ids: WorkflowIds;

  constructor(private readonly kube: Kube, private readonly client: Client, private readonly taskQueue: string, private readonly log: Logger, private readonly namespace?: string, private readonly resyncMs = 30_000) {
    this.ids = new WorkflowIds(client);
  }

  /** The EtcdBackups in the informer's cache. */
  backups(): EtcdBackupObject[] {
    return (this.informer?.list() ?? []) as EtcdBackupObject[];
  }

  async start(): Promise<void> {
    const informer = customObjectInformer(this.kube, ETCD_BACKUP.plural, this.namespace);
    const on = (obj: KubernetesObject) => { void this.handle(obj as EtcdBackupObject); };
    informer.on('add', on);
    informer.on('update', on);
    informer.on('delete', (obj) => { if (obj.metadata?.uid) this.started.delete(obj.metadata.uid); });
    const what = `etcdbackups in ${this.namespace ?? 'all namespaces'}`;
    restartOnError(informer, what, this.log, () => this.stopped, this.health);
    this.informer = informer;
    await this.health.start(informer, what);
    this.resync();
  }

  private resync(): void {
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      this.started.clear(); // level-triggered: a start that was lost is made again
      for (const obj of this.informer?.list() ?? []) void this.handle(obj as EtcdBackupObject);
      this.resync();
    }, this.resyncMs);
    this.timer.unref();
  }

  async handle(obj: EtcdBackupObject): Promise<void> {
    const { name, namespace, uid } = obj.metadata;
    if (!name || !namespace || !uid) return;
    const plan = planBackup(obj);
    if (plan.kind === 'none' || this.started.get(uid) === plan.kind) return;
    const backup: BackupKey = { namespace, name, uid };
    const clusterName = (obj.spec as { clusterName?: string } | undefined)?.clusterName ?? '';
    try {
      // Under the ID a 0.1.0 operator gave it while that workflow exists (an upgrade mid-backup).
      const backupWorkflow = await this.ids.of(backupWorkflowId(backup, clusterName), legacyBackupWorkflowId(backup));
      await this.client.workflow.start(plan.kind === 'backup' ? 'backupWorkflow' : 'deleteBackupWorkflow', {
        workflowId: plan.kind === 'backup' ? backupWorkflow : deleteBackupWorkflowId(backupWorkflow),
        taskQueue: this.taskQueue,
        args: [plan.kind === 'backup' ? { backup } : { backup, backupWorkflowId: backupWorkflow }],
        staticSummary: plan.kind === 'backup' ? `Backup ${namespace}/${name} of EtcdCluster ${clusterName}` : `Delete backup ${namespace}/${name} (its stored snapshot unless retained)`,
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        // A finished backup is never taken again under the same object; a failed delete may be retried.
        workflowIdReusePolicy: plan.kind === 'backup' ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        typedSearchAttributes: clusterSearchAttributes({ namespace, name: clusterName, uid: '' }, plan.kind === 'backup' ? 'Backup' : 'DeleteBackup'),
      });
      this.log.info({ backup: `${namespace}/${name}`, plan: plan.kind }, 'started backup workflow');
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        this.log.warn({ backup: `${namespace}/${name}`, err: String(err) }, 'starting the backup workflow failed');
        return;
      }
    }
    this.started.set(uid, plan.kind);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.informer?.stop();
  }
}
