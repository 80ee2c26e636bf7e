// The operator's health server (/healthz, /readyz) and `etcdop run`'s address and namespace options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHttpAddress, readiness, startHealthServer } from '../../worker/health.ts';
import { watchedNamespaces } from '../../domain/watched-namespaces.ts';

describe('--http-address', () => {
  for (const [input, want] of [
    [':8080', { port: 8080 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9090', { host: '::1', port: 9090 }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
  ] as const) {
    it(`parses ${input}`, () => assert.deepEqual(parseHttpAddress(input), want));
  }
  for (const bad of ['8080', 'localhost', ':http', ':70000', '']) {
    it(`rejects ${JSON.stringify(bad)} with the expected form`, () => assert.throws(() => parseHttpAddress(bad), /expected host:port or :port/));
  }
});

describe('watched namespaces', () => {
  it('splits, trims and de-duplicates a comma-separated list', () => assert.deepEqual(watchedNamespaces(' a, b,,a ,c'), ['a', 'b', 'c']));
  it('empty or absent means all namespaces', () => {
    assert.deepEqual(watchedNamespaces(''), []);
    assert.deepEqual(watchedNamespaces(undefined), []);
  });
});

describe('readiness', () => {
  it('names every failing probe, and a probe that hangs fails after the timeout', async () => {
    const failing = await readiness({
      live: () => true,
      timeoutMs: 50,
      ready: [
        { name: 'temporal', check: () => new Promise(() => {}) },
        { name: 'kubernetes', check: async () => {} },
        { name: 'informers', check: async () => { throw new Error('not synced: etcdclusters in all namespaces'); } },
      ],
    });
    assert.deepEqual(failing, ['temporal: unreachable: no answer in 50 ms', 'informers: not synced: etcdclusters in all namespaces']);
  });

  it('serves /readyz 503 with the reasons until every probe passes, /healthz from liveness alone', async () => {
    let temporalUp = false;
    let live = true;
    const { server, url } = await startHealthServer('127.0.0.1:0', {
      live: () => live,
      ready: [{ name: 'temporal', check: async () => { if (!temporalUp) throw new Error('connection refused'); } }],
    });
    try {
      const get = async (path: string) => { const r = await fetch(`${url}${path}`); return [r.status, (await r.text()).trim()] as const; };
      assert.deepEqual(await get('/readyz'), [503, 'temporal: connection refused']);
      assert.deepEqual(await get('/healthz'), [200, 'ok'], 'an unreachable Temporal is not a reason to restart the pod');
      temporalUp = true;
      assert.deepEqual(await get('/readyz'), [200, 'ok']);
      live = false;
      assert.deepEqual(await get('/healthz'), [503, 'worker stopped']);
      assert.equal((await get('/metrics-or-anything'))[0], 404);
    } finally {
      server.close();
    }
  });

  it('a taken port is a clear error, not a crash with a stack trace', async () => {
    const first = await startHealthServer('127.0.0.1:0', { live: () => true, ready: [] });
    try {
      const port = new URL(first.url).port;
      await assert.rejects(startHealthServer(`127.0.0.1:${port}`, { live: () => true, ready: [] }), /cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    } finally {
      first.server.close();
    }
  });
});
