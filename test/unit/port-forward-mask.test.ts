// The operator's port-forward sends WebSocket frames with a zero masking key (ws then skips the
// masking pass over every byte): checked on the wire, against a loopback server that speaks just
// enough of the WebSocket handshake to read the frames the client sends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { unmaskedPortForward } from '../../activities/backups/port-forward.ts';
import { fakeWebSocketServer } from '../support/fake-websocket.ts';

describe('the operator\'s port-forward', () => {
  it('sends its frames unmasked (a zero key), so the bytes are not copied through a JavaScript mask', async () => {
    const server = await fakeWebSocketServer();
    try {
      const ws = await unmaskedPortForward(server.config).portForward('ns', 'pod', [2390], new PassThrough(), new PassThrough(), new PassThrough()) as unknown as { send(b: Buffer): void; close(): void };
      const payload = Buffer.alloc(1000, 0xab);
      ws.send(payload);
      const [frame] = await server.framesArrived(1);
      ws.close();
      assert.equal(frame!.masked, true, 'a client frame says it is masked (the protocol wants it)');
      assert.deepEqual([...frame!.key], [0, 0, 0, 0], 'with a zero key');
      assert.deepEqual(frame!.raw.subarray(8, 8 + payload.length), payload, 'so the payload goes as it is');
    } finally {
      server.close();
    }
  });
});
