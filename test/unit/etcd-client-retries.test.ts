// An etcd call that fails is tried once on each host, never again on the same one: etcd3's default
// (3 attempts, each with a fresh deadline) made a call to a dead or quorumless member take 3x its
// deadline. The "members" are loopback HTTP/2 servers that take each gRPC call and never answer,
// like a member without quorum asked for a linearizable read: every call ends at its deadline.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { etcdClient } from '../../activities/etcd/client.ts';

const held: ServerHttp2Stream[] = [];

async function silentMember(): Promise<{ host: string; calls: () => number; server: Http2Server }> {
  let n = 0;
  const server = createServer();
  server.on('stream', (s) => { n++; held.push(s); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { host: `http://127.0.0.1:${port}`, calls: () => n, server };
}

describe('etcd client: one attempt per host', () => {
  const servers: Http2Server[] = [];
  after(() => { for (const s of held) s.close(); for (const s of servers) s.close(); });

  it('a member that does not answer is asked once, and the call ends at its deadline', async () => {
    const m = await silentMember();
    servers.push(m.server);
    const c = etcdClient(m.host, 300);
    try {
      await assert.rejects(c.maintenance.status(), /deadline/i);
    } finally {
      c.close();
    }
    assert.equal(m.calls(), 1, 'the same member was asked again');
  });

  it('with three members that do not answer, each is asked once', async () => {
    const ms = await Promise.all([silentMember(), silentMember(), silentMember()]);
    servers.push(...ms.map((m) => m.server));
    const c = etcdClient(ms.map((m) => m.host), 300);
    try {
      await assert.rejects(c.cluster.memberList({ linearizable: true }), /deadline/i);
    } finally {
      c.close();
    }
    assert.deepEqual(ms.map((m) => m.calls()), [1, 1, 1]);
  });
});

describe('etcd client: a quick failure is still retried', () => {
  it('a member whose connections are reset is tried three times in all', async () => {
    let n = 0;
    const server = createServer();
    server.on('stream', (s) => { n++; s.on('error', () => {}); s.close(2); }); // RST_STREAM INTERNAL_ERROR: gRPC's "internal", recoverable
    server.on('session', (s) => s.on('error', () => {}));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = etcdClient(`http://127.0.0.1:${(server.address() as { port: number }).port}`, 2000);
    try {
      await assert.rejects(c.maintenance.status());
    } finally {
      c.close();
      server.close();
    }
    assert.equal(n, 3);
  });
});
