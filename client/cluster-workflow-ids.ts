// Which workflow ID a cluster's loop runs under. New clusters get the readable
// `etcd/<namespace>/<name>/<uid>`; a cluster whose loop started under operator 0.1.0 keeps
// `etcdcluster-<uid>` while that history exists, so an upgraded operator never starts a second loop.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { clusterWorkflowId, legacyClusterWorkflowId } from '../domain/ids.ts';
import type { ClusterKey } from '../domain/types.ts';

export class ClusterWorkflowIds {
  /** uid -> the ID in use; a new loop is never started under the legacy ID, so the answer never changes. */
  private readonly known = new Map<string, string>();

  constructor(private readonly client: Pick<Client, 'workflow'>) {}

  async of(key: ClusterKey): Promise<string> {
    const cached = this.known.get(key.uid);
    if (cached) return cached;
    const legacy = legacyClusterWorkflowId(key);
    let id = clusterWorkflowId(key);
    try {
      await this.client.workflow.getHandle(legacy).describe();
      id = legacy;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    this.known.set(key.uid, id);
    return id;
  }

  forget(uid: string): void { this.known.delete(uid); }
}
