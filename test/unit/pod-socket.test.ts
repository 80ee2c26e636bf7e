// The pod-network tunnel against a TCP server on loopback standing in for a receiving pod's `nc -l`:
// the answer line, every byte delivered with the end of the stream seen by the receiver, and a
// receiver that ends early or is not there failing the transfer instead of looking like success.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openPodSocket } from '../../activities/backups/pod-socket.ts';

/** A one-connection server running `serve` on its socket; resolves its port. */
async function receiver(serve: (s: Socket) => void): Promise<{ port: number; close: () => void }> {
  const server = createServer((s) => serve(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

describe('openPodSocket', () => {
  it('reads the receiver\'s answer, delivers every byte, and ends once the receiver saw the end and closed', async () => {
    let got = Buffer.alloc(0);
    let sawEnd = false;
    const r = await receiver((s) => {
      let answered = false;
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (!answered && got.includes(0x0a)) { answered = true; s.write('ok\n'); }
      });
      s.on('end', () => { sawEnd = true; s.end(); });
    });
    try {
      const t = await openPodSocket('127.0.0.1', r.port);
      t.writable.write('token\n');
      assert.equal(await t.firstLine(2000), 'ok');
      const payload = Buffer.alloc(8 * 1024 * 1024, 7);
      await pipeline(Readable.from([payload.subarray(0, 3), payload.subarray(3)]), t.writable);
      assert.ok(sawEnd, 'the receiver read the end of the stream before the push resolved');
      assert.equal(got.length, 'token\n'.length + payload.length);
      await t.closed;
    } finally {
      r.close();
    }
  });

  it('a receiver that closes before the stream ended fails the push', async () => {
    const r = await receiver((s) => {
      s.once('data', () => { s.write('ok\n'); setTimeout(() => s.destroy(), 20); });
      s.on('error', () => {});
    });
    try {
      const t = await openPodSocket('127.0.0.1', r.port);
      t.writable.write('token\n');
      assert.equal(await t.firstLine(2000), 'ok');
      const endless = Readable.from((async function* () { for (;;) { yield Buffer.alloc(64 * 1024); await new Promise((res) => setImmediate(res)); } })());
      await assert.rejects(pipeline(endless, t.writable), /127\.0\.0\.1/);
    } finally {
      r.close();
    }
  });

  it('a receiver that closes without answering fails the answer; no listener fails the connection', async () => {
    const r = await receiver((s) => { s.once('data', () => s.end()); });
    try {
      const t = await openPodSocket('127.0.0.1', r.port);
      t.writable.write('wrong-token\n');
      await assert.rejects(t.firstLine(2000), /closed by the pod/);
    } finally {
      r.close();
    }
    const gone = await receiver(() => {});
    gone.close();
    await assert.rejects(openPodSocket('127.0.0.1', gone.port), /ECONNREFUSED/);
  });
});
