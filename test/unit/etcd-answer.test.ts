// A test's etcd call is made again while etcd did not answer, and never past etcd's own answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EtcdAuthenticationFailedError, EtcdPermissionDeniedError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { withEtcd } from '../../activities/etcd/client.ts';
import { answered, noAnswer } from '../support/etcd-answer.ts';

describe('answered', () => {
  it('makes the call again after no answer (unavailable, a deadline) and returns what etcd then says', async () => {
    const failures = [new GRPCUnavailableError('connection reset'), new GRPCDeadlineExceededError('waiting for connections to become ready')];
    let calls = 0;
    assert.equal(await answered('probe', async () => { calls += 1; const f = failures.shift(); if (f) throw f; return 'ok'; }, 10_000), 'ok');
    assert.equal(calls, 3);
  });

  it('an answer from etcd that refuses (a login, a permission) is thrown at once, never tried again', async () => {
    for (const refusal of [new EtcdAuthenticationFailedError('etcdserver: authentication failed'), new EtcdPermissionDeniedError('etcdserver: permission denied')]) {
      let calls = 0;
      await assert.rejects(answered('probe', async () => { calls += 1; throw refusal; }), refusal);
      assert.equal(calls, 1);
      assert.equal(noAnswer(refusal), false);
    }
  });

  it('a port nobody listens on: tried again until the time is up, then the client\'s own error', async () => {
    let calls = 0;
    const t0 = Date.now();
    await assert.rejects(answered('probe', () => { calls += 1; return withEtcd('http://127.0.0.1:1', (c) => c.get('x').string(), 300); }, 1500), noAnswer);
    assert.ok(calls >= 2, `tried ${calls} times`);
    assert.ok(Date.now() - t0 >= 1500, 'kept trying until its time was up');
  });
});
