// A TCP proxy on loopback that slows what the upstream sends back to `bytesPerSecond` (sent in
// tenths of a second), for tests of long streams: a slow S3 server, a slow link.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Transform } from 'node:stream';

export interface ThrottleProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Slices each chunk to bytesPerSecond/10 and waits 100ms after each slice. */
function throttle(bytesPerSecond: number): Transform {
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      void (async () => {
        for (let at = 0; at < chunk.length; at += slice) {
          this.push(chunk.subarray(at, at + slice));
          await sleep(100);
        }
        done();
      })();
    },
  });
}

/** Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstreamPort`. */
export async function startThrottleProxy(upstreamPort: number, bytesPerSecond: number): Promise<ThrottleProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, upstream]) { sockets.add(s); s.once('close', () => sockets.delete(s)); s.on('error', () => { client.destroy(); upstream.destroy(); }); }
    client.pipe(upstream);
    upstream.pipe(throttle(bytesPerSecond)).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
