// A byte stream to one port of a pod straight over the pod network: a TCP connection to the pod's
// IP, as the operator reaches etcd's client port. Unlike port-forward it half-closes: the pod reads
// the end of the stream as soon as the last byte arrived, and the tunnel counts as closed once the
// pod closed its side too (its receiver ended).
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Tunnel } from './port-forward.ts';
import { AnswerLine } from './answer-line.ts';

/** How long a connection may take to open (a pod on another node, a loaded machine). */
const OPEN_MS = 10_000;

/** Opens a TCP connection to `port` of the pod at `ip`; rejects when it cannot (refused: no listener yet). */
export async function openPodSocket(ip: string, port: number): Promise<Tunnel> {
  const where = `${ip}:${port}`;
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: ip, port, noDelay: true });
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`connection to ${where}: not open within ${OPEN_MS}ms`)); }, OPEN_MS);
    s.once('connect', () => { clearTimeout(timer); s.removeAllListeners('error'); resolve(s); });
    s.once('error', (err) => { clearTimeout(timer); reject(new Error(`connection to ${where}: ${err.message}`)); });
  });

  let failure: Error | undefined;
  let isEnded = false;
  const answer = new AnswerLine(() => failure);
  socket.on('data', (d: Buffer) => answer.add(d));
  socket.on('error', (err) => { failure = new Error(`connection to ${where}: ${err.message}`); answer.changed(); });
  const closed = new Promise<void>((resolve) => socket.once('close', () => {
    if (!isEnded) failure ??= new Error(`connection to ${where} closed by the pod`);
    answer.changed();
    resolve();
  }));
  // Resolves when the socket takes more, or is closed (a write then fails with the reason).
  const drained = () => new Promise<void>((resolve) => {
    const go = () => { socket.off('drain', go); socket.off('close', go); resolve(); };
    socket.once('drain', go);
    socket.once('close', go);
  });

  const writable = new Writable({
    highWaterMark: 1024 * 1024,
    write(chunk: Buffer, _e, done) {
      if (failure) { done(failure); return; }
      if (socket.write(chunk)) done();
      else void drained().then(() => done(failure));
    },
    final(done) {
      isEnded = true;
      socket.end();
      // The pod closes its side once its receiver took the stream; an error before is the transfer's.
      void closed.then(() => done(failure));
    },
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });

  return {
    writable,
    closed,
    destroy: () => { socket.destroy(); },
    firstLine: (timeoutMs) => answer.first(timeoutMs, `connection to ${where}`),
  };
}
