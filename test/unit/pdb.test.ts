import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podDisruptionBudget } from '../../k8s/manifests/pdb.ts';
import { quorumOf } from '../../domain/members.ts';
import { OWNER, cluster } from './cluster-fixture.ts';

describe('podDisruptionBudget', () => {
  const minAvailable: [number, number][] = [[1, 1], [2, 2], [3, 2], [4, 3], [5, 3], [6, 4], [7, 4], [8, 5], [9, 5]];
  for (const [size, want] of minAvailable) {
    it(`size ${size} keeps quorum: minAvailable ${want}`, () => {
      assert.equal(quorumOf(size), want);
      assert.equal(podDisruptionBudget(cluster({ size })).spec?.minAvailable, want);
    });
  }
  it('follows the members etcd has during a resize: 5 members shrinking to 3 keep 3 available', () => {
    assert.equal(podDisruptionBudget(cluster({ size: 3 }), 5).spec?.minAvailable, 3);
    assert.equal(podDisruptionBudget(cluster({ size: 5 }), 1).spec?.minAvailable, 1);
  });
  it('is a policy/v1 PDB named after the cluster, selecting its pods, owned by it', () => {
    const pdb = podDisruptionBudget(cluster());
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(pdb.kind, 'PodDisruptionBudget');
    assert.equal(pdb.metadata?.name, 'db');
    assert.equal(pdb.metadata?.namespace, 'prod');
    assert.deepEqual(pdb.metadata?.ownerReferences, [OWNER]);
    assert.deepEqual(pdb.spec?.selector, { matchLabels: { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db' }, matchExpressions: [{ key: 'etcd.operator.dev/learner', operator: 'DoesNotExist' }] });
  });
  it('counts voters only: a joining learner\'s pod (labelled learner) is not selected, so its readiness never lets a voter be evicted', () => {
    const sel = podDisruptionBudget(cluster()).spec!.selector!;
    const selects = (labels: Record<string, string>) => Object.entries(sel.matchLabels!).every(([k, v]) => labels[k] === v)
      && sel.matchExpressions!.every((e) => e.operator === 'DoesNotExist' && !(e.key in labels));
    const member = { 'app.kubernetes.io/name': 'etcd', 'etcd.operator.dev/cluster': 'db' };
    assert.equal(selects(member), true);
    assert.equal(selects({ ...member, 'etcd.operator.dev/learner': 'true' }), false);
  });
});
