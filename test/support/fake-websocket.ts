// A loopback server that speaks just enough of the WebSocket protocol for the operator's
// port-forward client: the upgrade handshake, then the client's frames as they come on the wire.
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Frame { opcode: number; masked: boolean; key: Buffer; payload: Buffer; raw: Buffer }

/** Parses whole frames off the front of `buf`; returns them and what is left. */
function takeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  for (;;) {
    if (buf.length < 2) break;
    const masked = (buf[1]! & 0x80) !== 0;
    let len = buf[1]! & 0x7f;
    let at = 2;
    if (len === 126) { if (buf.length < 4) break; len = buf.readUInt16BE(2); at = 4; }
    else if (len === 127) { if (buf.length < 10) break; len = Number(buf.readBigUInt64BE(2)); at = 10; }
    const key = masked ? buf.subarray(at, at + 4) : Buffer.alloc(4);
    if (masked) at += 4;
    if (buf.length < at + len) break;
    const payload = Buffer.from(buf.subarray(at, at + len));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    frames.push({ opcode: buf[0]! & 0x0f, masked, key: Buffer.from(key), payload, raw: Buffer.from(buf.subarray(0, at + len)) });
    buf = buf.subarray(at + len);
  }
  return { frames, rest: buf };
}

export interface FakeWebSocketServer {
  port: number;
  /** A kubeconfig whose API server is this server (plain HTTP). */
  config: KubeConfig;
  /** Every frame received so far, in order. */
  frames: Frame[];
  /** Resolves once `n` frames have arrived. */
  framesArrived(n: number): Promise<Frame[]>;
  close(): void;
}

/** Accepts WebSocket upgrades; answers a close frame by closing the connection. */
export function fakeWebSocketServer(): Promise<FakeWebSocketServer> {
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    let buf: Buffer = Buffer.alloc(0);
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
      const { frames: got, rest } = takeFrames(buf);
      buf = rest;
      for (const f of got) {
        frames.push(f);
        if (f.opcode === 8) socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
      }
      if (got.length) for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => {});
  });
  const framesArrived = (n: number) => new Promise<Frame[]>((resolve) => {
    const check = () => { if (frames.length >= n) resolve(frames.slice(0, n)); else waiters.push(check); };
    check();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const port = (server.address() as { port: number }).port;
    const config = new KubeConfig();
    config.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    resolve({ port, config, frames, framesArrived, close: () => { for (const s of sockets) s.destroy(); server.close(); } });
  }));
}
