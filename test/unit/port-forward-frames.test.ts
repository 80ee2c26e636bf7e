// The port-forward tunnel sends the chunks that queue up while a frame is on its way as one frame
// (each frame costs a turn of the operator, the API server and the kubelet), in order, whole.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FRAME, openTunnel } from '../../activities/backups/port-forward.ts';
import { Kube } from '../../k8s/kube-client.ts';
import { fakeWebSocketServer } from '../support/fake-websocket.ts';

const KiB = 1024;
const BINARY = 2;

describe('the port-forward tunnel', () => {
  it('sends 64 chunks of 16 KiB (an S3 body\'s size) in a few frames of at most FRAME bytes, every byte in order on the data channel', async () => {
    const server = await fakeWebSocketServer();
    try {
      const tunnel = await openTunnel(new Kube(server.config), 'ns', 'pod', 2390);
      const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * KiB, i));
      await pipeline(Readable.from(chunks), tunnel.writable);
      await tunnel.closed;
      const data = server.frames.filter((f) => f.opcode === BINARY);
      assert.ok(data.every((f) => f.payload[0] === 0), 'every frame on channel 0 (data)');
      assert.deepEqual(Buffer.concat(data.map((f) => f.payload.subarray(1))), Buffer.concat(chunks));
      assert.ok(data.every((f) => f.payload.length - 1 <= FRAME), `no frame over ${FRAME} bytes`);
      assert.ok(data.length <= 8, `64 chunks went as ${data.length} frames (one a chunk before)`);
    } finally {
      server.close();
    }
  });
});
