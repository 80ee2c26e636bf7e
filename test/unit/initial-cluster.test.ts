import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialCluster } from '../../k8s/manifests/initial-cluster.ts';

describe('initialCluster', () => {
  const cases: [string, string[], string][] = [
    ['one member', ['db-0'], 'db-0=http://db-0.db.prod.svc:2380'],
    ['three members, in the given order', ['db-0', 'db-2', 'db-1'],
      'db-0=http://db-0.db.prod.svc:2380,db-2=http://db-2.db.prod.svc:2380,db-1=http://db-1.db.prod.svc:2380'],
    ['no members', [], ''],
  ];
  for (const [name, members, want] of cases) it(name, () => assert.equal(initialCluster('db', 'prod', members), want));
});
