import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdClusterStatusSchema, type EtcdClusterStatus } from '../../k8s/cluster-status.ts';

const FULL: EtcdClusterStatus = {
  observedGeneration: 4,
  conditions: [
    { type: 'Available', status: 'True', reason: 'QuorumHealthy', message: '3/3 members healthy', lastTransitionTime: '2025-01-02T03:04:05Z', observedGeneration: 4 },
  ],
  members: [
    { name: 'db-0', id: '8e9e05c52164694d', peerURL: 'http://db-0.db.ns.svc:2380', clientURL: 'http://db-0.db.ns.svc:2379', leader: true, learner: false, version: '3.6.16', healthy: true },
    { name: 'db-1', leader: false, learner: true, healthy: false },
  ],
  readyMembers: 1,
  currentVersion: '3.6.16',
  selector: 'app.kubernetes.io/name=etcd,etcd.operator.dev/cluster=db',
  operation: { type: 'Scale', workflowId: 'etcd-uid-scale-4', step: 'promote db-1', startedAt: '2025-01-02T03:04:05Z' },
  lastOperation: { type: 'Create', workflowId: 'etcd-uid-create', result: 'Succeeded', finishedAt: '2025-01-01T00:00:00Z' },
};

describe('EtcdClusterStatusSchema', () => {
  it('accepts a full status unchanged', () => assert.deepEqual(EtcdClusterStatusSchema.parse(FULL), FULL));
  it('accepts an empty status (a new cluster)', () => assert.deepEqual(EtcdClusterStatusSchema.parse({}), {}));

  const invalid: { name: string; status: unknown; path: string }[] = [
    { name: 'a decimal member id (ids are hex)', status: { members: [{ ...FULL.members![0], id: '10276657743932975437' }] }, path: 'members.0.id' },
    { name: 'an uppercase hex member id', status: { members: [{ ...FULL.members![0], id: 'ABCDEF' }] }, path: 'members.0.id' },
    { name: 'an unknown condition type', status: { conditions: [{ ...FULL.conditions![0], type: 'Ready' }] }, path: 'conditions.0.type' },
    { name: 'a condition status "yes"', status: { conditions: [{ ...FULL.conditions![0], status: 'yes' }] }, path: 'conditions.0.status' },
    { name: 'a reason with spaces', status: { conditions: [{ ...FULL.conditions![0], reason: 'quorum lost' }] }, path: 'conditions.0.reason' },
    { name: 'a lastTransitionTime that is not RFC 3339', status: { conditions: [{ ...FULL.conditions![0], lastTransitionTime: 'yesterday' }] }, path: 'conditions.0.lastTransitionTime' },
    { name: 'an operation result "Done"', status: { lastOperation: { ...FULL.lastOperation, result: 'Done' } }, path: 'lastOperation.result' },
    { name: 'an operation without a workflow id', status: { operation: { type: 'Scale', startedAt: '2025-01-02T03:04:05Z' } }, path: 'operation.workflowId' },
    { name: 'negative readyMembers', status: { readyMembers: -1 }, path: 'readyMembers' },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      const r = EtcdClusterStatusSchema.safeParse(c.status);
      assert.equal(r.success, false);
      assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')), [c.path]);
    });
  }
});
