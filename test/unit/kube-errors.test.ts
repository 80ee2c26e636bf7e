import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { classifyKubeError } from '../../activities/kube/errors.ts';

const refused = (code: number, message: string) => new ApiException(code, `HTTP ${code}`, { kind: 'Status', message }, {});

describe('classifyKubeError: what a refused Kubernetes request tells the user', () => {
  const cases: { name: string; code: number; message: string; type?: string; says?: RegExp; notSays?: RegExp }[] = [
    { name: 'RBAC: points at the operator\'s RBAC', code: 403, message: 'pods is forbidden: User "system:serviceaccount:x:y" cannot create resource "pods"', type: 'KubeHTTP403', says: /check the operator's RBAC/ },
    { name: 'a full ResourceQuota: says so, not RBAC', code: 403, message: 'pods "demo-3" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, limited: pods=3', type: 'QuotaExceeded', says: /exceeded quota.*a ResourceQuota of the namespace has no room/, notSays: /RBAC/ },
    { name: 'invalid: the API server\'s message', code: 422, message: 'Pod "x" is invalid: spec.containers: Required value', type: 'KubeHTTP422', says: /HTTP 422\): Pod "x" is invalid/ },
  ];
  for (const c of cases) {
    it(`${c.code} ${c.name}`, () => {
      const f = classifyKubeError(refused(c.code, c.message));
      assert.ok(f instanceof ApplicationFailure && f.nonRetryable, 'permanent');
      assert.equal(f.type, c.type);
      if (c.says) assert.match(f.message, c.says);
      if (c.notSays) assert.doesNotMatch(f.message, c.notSays);
    });
  }
  it('409 conflict stays retryable (the error itself)', () => {
    const err = refused(409, 'the object has been modified');
    assert.equal(classifyKubeError(err), err);
  });
});
