// TCP proxies on loopback for tests: one that can be cut (the server gone, for whoever dials it),
// and ones that slow one direction to a given rate (a slow S3 server, a slow upload link) so a
// stream takes as long as the test needs.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Transform } from 'node:stream';

export interface TcpProxy {
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Cuts every connection and stops listening. */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Slices each chunk to bytesPerSecond/10 and waits 100 ms after each slice. */
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

/** Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:`upstreamPort`, each direction at most at its rate. */
export async function tcpProxy(upstreamPort: number, rate: { up?: number; down?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
    for (const s of [client, upstream]) { sockets.add(s); s.once('close', () => sockets.delete(s)); s.on('error', () => { client.destroy(); upstream.destroy(); }); }
    (rate.up ? client.pipe(throttle(rate.up)) : client).pipe(upstream);
    (rate.down ? upstream.pipe(throttle(rate.down)) : upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); for (const s of sockets) s.destroy(); }),
  };
}

/** What the upstream sends back arrives at `bytesPerSecond`: a slow server. */
export const slowDownloadProxy = (upstreamPort: number, bytesPerSecond: number) => tcpProxy(upstreamPort, { down: bytesPerSecond });

/** What the client sends arrives at `bytesPerSecond`: a slow upload link. */
export const slowUploadProxy = (upstreamPort: number, bytesPerSecond: number) => tcpProxy(upstreamPort, { up: bytesPerSecond });
