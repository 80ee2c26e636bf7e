// Which workflow ID an object's workflow runs under. New objects get a readable ID that starts with
// what they belong to (`etcd/<namespace>/<cluster>/...`); an object whose workflow operator 0.1.0
// started keeps that ID (`etcdcluster-<uid>`, `etcdbackup-<uid>`, `etcduser-<uid>`) while that
// history exists, so an upgraded operator never starts a second workflow for one object.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { clusterWorkflowId, legacyClusterWorkflowId } from '../domain/ids.ts';
import type { ClusterKey } from '../domain/types.ts';

export class WorkflowIds {
  /** readable ID -> the ID in use; a new workflow is never started under a legacy ID, so the answer never changes. */
  private readonly known = new Map<string, string>();

  constructor(private readonly client: Pick<Client, 'workflow'>) {}

  /** The legacy ID if Temporal has a workflow under it (any status), else the readable one. Temporal not answering throws. */
  async of(readable: string, legacy: string): Promise<string> {
    const cached = this.known.get(readable);
    if (cached) return cached;
    let id = readable;
    try {
      await this.client.workflow.getHandle(legacy).describe();
      id = legacy;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    this.known.set(readable, id);
    return id;
  }

  /** The cluster's reconcile loop. */
  cluster(key: ClusterKey): Promise<string> {
    return this.of(clusterWorkflowId(key), legacyClusterWorkflowId(key));
  }

  forget(readable: string): void { this.known.delete(readable); }
}
