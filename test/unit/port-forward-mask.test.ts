// The operator's port-forward sends WebSocket frames with a zero masking key (ws then skips the
// masking pass over every byte): checked on the wire, against a loopback server that speaks just
// enough of the WebSocket handshake to read the first frame the client sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { unmaskedPortForward } from '../../activities/backups/port-forward.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Accepts one WebSocket upgrade and resolves with the first frame's raw bytes. */
function firstFrame(): Promise<{ port: number; frame: Promise<Buffer>; close: () => void }> {
  let resolveFrame!: (b: Buffer) => void;
  const frame = new Promise<Buffer>((r) => { resolveFrame = r; });
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let buf = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        const key = /sec-websocket-key: (.+)/i.exec(head)![1]!.trim();
        const protocol = /sec-websocket-protocol: ([^,\r\n]+)/i.exec(head)![1]!.trim();
        const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
        upgraded = true;
        buf = buf.subarray(end + 4);
      }
      // 2 header bytes, 2 of extended length (payload 126..65535 bytes), 4 of mask, then the payload.
      if (buf.length >= 8 && buf.length >= 8 + buf.readUInt16BE(2)) resolveFrame(buf);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as { port: number }).port,
    frame,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  })));
}

describe('the operator\'s port-forward', () => {
  it('sends its frames unmasked (a zero key), so the bytes are not copied through a JavaScript mask', async () => {
    const server = await firstFrame();
    try {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: `http://127.0.0.1:${server.port}`, skipTLSVerify: true }],
        users: [{ name: 'u' }],
        contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
        currentContext: 'x',
      });
      const ws = await unmaskedPortForward(kc).portForward('ns', 'pod', [2390], new PassThrough(), new PassThrough(), new PassThrough()) as unknown as { send(b: Buffer): void; close(): void };
      const payload = Buffer.alloc(1000, 0xab);
      ws.send(payload);
      const frame = await server.frame;
      ws.close();
      assert.equal(frame[1]! & 0x80, 0x80, 'a client frame says it is masked (the protocol wants it)');
      assert.deepEqual([...frame.subarray(4, 8)], [0, 0, 0, 0], 'with a zero key');
      assert.deepEqual(frame.subarray(8, 8 + payload.length), payload, 'so the payload goes as it is');
    } finally {
      server.close();
    }
  });
});
