// The ID an object's workflow runs under: readable for new objects, the 0.1.0 one while its history exists.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIds } from '../../client/workflow-ids.ts';
import { backupWorkflowId, clusterWorkflowId, deleteBackupWorkflowId, legacyBackupWorkflowId, legacyClusterWorkflowId, legacyUserWorkflowId, operationWorkflowId, scheduledBackupWorkflowIdPrefix, userWorkflowId } from '../../domain/ids.ts';

const key = { namespace: 'team-a', name: 'orders', uid: '5023a44b-7f1e-4c1a-9d7e-1f2a3b4c5d6e' };

function fakeClient(existing: Set<string>, fail?: Error) {
  const described: string[] = [];
  const client = {
    workflow: {
      getHandle: (id: string) => ({
        describe: async () => {
          described.push(id);
          if (fail) throw fail;
          if (!existing.has(id)) throw new WorkflowNotFoundError('not found', id, undefined);
          return { status: { name: 'RUNNING' } };
        },
      }),
    },
  } as unknown as Pick<Client, 'workflow'>;
  return { client, described };
}

describe('workflow IDs', () => {
  it('name the namespace, the cluster and its uid; operations and scheduled backups sit under the loop', () => {
    assert.equal(clusterWorkflowId(key), 'etcd/team-a/orders/5023a44b-7f1e-4c1a-9d7e-1f2a3b4c5d6e');
    assert.equal(operationWorkflowId(clusterWorkflowId(key), 'RestartMember', 7), 'etcd/team-a/orders/5023a44b-7f1e-4c1a-9d7e-1f2a3b4c5d6e/restart-member-7');
    assert.equal(operationWorkflowId(legacyClusterWorkflowId(key), 'Scale', 2), `etcdcluster-${key.uid}/scale-2`, 'a 0.1.0 loop names its operations as it always did (replay)');
    assert.equal(scheduledBackupWorkflowIdPrefix(key), `etcd/team-a/orders/${key.uid}/scheduled-backup`);
  });

  it('backups and users are named under their cluster, so one prefix lists everything of a cluster', () => {
    const b = { namespace: 'team-a', name: 'nightly-1', uid: 'b-uid' };
    assert.equal(backupWorkflowId(b, 'orders'), 'etcd/team-a/orders/backups/nightly-1/b-uid');
    assert.equal(deleteBackupWorkflowId(backupWorkflowId(b, 'orders')), 'etcd/team-a/orders/backups/nightly-1/b-uid/delete');
    assert.equal(deleteBackupWorkflowId(legacyBackupWorkflowId(b)), 'etcdbackup-b-uid/delete', 'as 0.1.0 named it');
    assert.equal(userWorkflowId({ namespace: 'team-a', name: 'app', uid: 'u-uid' }, 'orders'), 'etcd/team-a/orders/users/app/u-uid');
    assert.equal(legacyUserWorkflowId({ uid: 'u-uid' }), 'etcduser-u-uid');
  });

  it('a re-created namesake (another uid) gets another ID', () => {
    assert.notEqual(clusterWorkflowId(key), clusterWorkflowId({ ...key, uid: 'another-uid' }));
  });
});

describe('WorkflowIds', () => {
  it('a cluster without a 0.1.0 loop gets the readable ID, looked up once', async () => {
    const { client, described } = fakeClient(new Set());
    const ids = new WorkflowIds(client);
    assert.equal(await ids.cluster(key), clusterWorkflowId(key));
    assert.equal(await ids.cluster(key), clusterWorkflowId(key));
    assert.deepEqual(described, [legacyClusterWorkflowId(key)]);
  });

  it('a cluster whose loop 0.1.0 started keeps that ID, so an upgraded operator never starts a second loop', async () => {
    const { client } = fakeClient(new Set([legacyClusterWorkflowId(key)]));
    assert.equal(await new WorkflowIds(client).cluster(key), `etcdcluster-${key.uid}`);
  });

  it('Temporal not answering is an error, never a guess (a guess could start a second loop)', async () => {
    const { client } = fakeClient(new Set(), new Error('14 UNAVAILABLE'));
    const ids = new WorkflowIds(client);
    await assert.rejects(ids.cluster(key), /UNAVAILABLE/);
    const again = fakeClient(new Set([legacyClusterWorkflowId(key)]));
    assert.equal(await new WorkflowIds(again.client).cluster(key), legacyClusterWorkflowId(key));
  });

  it('forget: the next lookup asks again', async () => {
    const { client, described } = fakeClient(new Set());
    const ids = new WorkflowIds(client);
    await ids.cluster(key);
    ids.forget(clusterWorkflowId(key));
    await ids.cluster(key);
    assert.equal(described.length, 2);
  });
});
