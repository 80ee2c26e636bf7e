// A byte stream to one port of a pod through the API server's port-forward (a WebSocket carrying
// the port-forward channels: 0 data, 1 errors, each opened with the port number). The bytes travel
// over TLS to the API server and on to the kubelet, which connects to the port on the pod's own
// loopback: nothing crosses the pod network. The stream has no half-close: closing the WebSocket
// ends the pod's connection after every byte sent.
import { PassThrough, Writable } from 'node:stream';
import { PortForward, type KubeConfig } from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import type { Kube } from '../../k8s/kube-client.ts';
import { AnswerLine } from './answer-line.ts';

/** The WebSocket (the `ws` package's) as used here. */
interface Socket {
  readonly readyState: number;
  send(data: Buffer, cb: (err?: Error) => void): void;
  close(code?: number): void;
  once(event: 'close', fn: () => void): void;
  once(event: 'error', fn: (err: Error) => void): void;
}
const OPEN = 1;
/** Bytes per WebSocket message at most. */
export const FRAME = 1024 * 1024;

export interface Tunnel {
  /** Writes to the pod's port; backpressure follows the WebSocket's socket. `end()` closes the tunnel. */
  readonly writable: Writable;
  /** Resolves with the first line the pod wrote (without the newline); rejects when the tunnel fails or closes first. */
  firstLine(timeoutMs: number): Promise<string>;
  /** Resolves once the tunnel is closed (after `writable` ended, or when it failed). */
  readonly closed: Promise<void>;
  /** Closes at once (a failed or abandoned transfer). */
  destroy(): void;
}

/**
 * A client masks every WebSocket frame with a key of its own, so that a browser's script cannot
 * poison a proxy's cache with bytes of its choosing. Nothing here runs in a browser and the stream
 * is TLS to the API server, which no proxy reads. Without the optional native `bufferutil`, ws masks
 * in JavaScript: a second and a half of the operator's CPU per 300 MiB (profiled), the largest part
 * of the operator's share of a restore's stream. ws sends frames with a zero key unmasked.
 */
const zeroMask = (mask: Buffer): void => { mask.fill(0); };

/**
 * The client library's port-forward with unmasked frames: its WebSocket handler, given a socket
 * factory. The handler is not in the package's index; `dist/` is imported directly (no exports map).
 */
export const unmaskedPortForward = (config: KubeConfig): PortForward =>
  new PortForward(config, false, new WebSocketHandler(config, (uri, protocols, opts) => new WebSocket(uri, protocols, { ...opts, generateMask: zeroMask })));

/** Opens a port-forward tunnel to `port` of the pod. */
export async function openTunnel(kube: Kube, namespace: string, pod: string, port: number): Promise<Tunnel> {
  let errorText = '';
  const answer = new AnswerLine(() => failure());
  const changed = () => answer.changed();
  const output = new Writable({ write(chunk: Buffer, _e, done) { answer.add(chunk); done(); } });
  const errors = new Writable({ write(chunk: Buffer, _e, done) { errorText += chunk.toString('utf8'); changed(); done(); } });
  // Input goes straight to the socket below (with backpressure); the library's input stream stays idle.
  const idle = new PassThrough();
  let ws: Socket;
  try {
    ws = await unmaskedPortForward(kube.config).portForward(namespace, pod, [port], output, errors, idle) as unknown as Socket;
  } catch (err) {
    // The WebSocket library rejects with an ErrorEvent ("Unexpected server response: 403"), not an Error.
    throw new Error(`port-forward to ${namespace}/${pod}:${port}: ${(err as { message?: string }).message ?? String(err)}`);
  }
  let isClosed = false;
  let closeError: Error | undefined;
  const closed = new Promise<void>((resolve) => {
    ws.once('error', (err) => { closeError = err; });
    ws.once('close', () => { isClosed = true; changed(); resolve(); });
  });
  const failure = () => (errorText ? new Error(`port-forward to ${namespace}/${pod}:${port}: ${errorText.trim()}`) : closeError ?? (isClosed ? new Error(`port-forward to ${namespace}/${pod}:${port} closed`) : undefined));

  const send = (data: Buffer) => new Promise<void>((resolve, reject) => {
    const err = failure();
    if (err || ws.readyState !== OPEN) { reject(err ?? new Error(`port-forward to ${namespace}/${pod}:${port} is not open`)); return; }
    ws.send(Buffer.concat([Buffer.from([0]), data]), (e) => (e ? reject(e) : resolve()));
  });
  const sendAll = async (chunk: Buffer) => {
    for (let at = 0; at < chunk.length; at += FRAME) await send(chunk.subarray(at, at + FRAME));
  };
  const finish = async () => {
    // The kubelet reports a failed connection to the pod's port on the error channel, maybe late.
    const before = failure();
    if (before) throw before;
    ws.close(1000);
    await closed;
    if (errorText) throw failure();
  };
  // A source's chunks are small (an S3 body's are 16-64 KiB): those that queue up while a frame is
  // on its way go as one frame, since every frame costs a turn of the operator, the API server and
  // the kubelet, and the source is read on meanwhile instead of waiting for each frame's send.
  const writable = new Writable({
    highWaterMark: FRAME,
    write(chunk: Buffer, _e, done) { sendAll(chunk).then(() => done(), done); },
    writev(chunks, done) { sendAll(Buffer.concat(chunks.map((c) => c.chunk as Buffer))).then(() => done(), done); },
    final(done) { finish().then(() => done(), done); },
    destroy(err, done) {
      if (!isClosed) ws.close(1000);
      done(err);
    },
  });

  return {
    writable,
    closed,
    destroy: () => { if (!isClosed) ws.close(1000); },
    firstLine: (timeoutMs) => answer.first(timeoutMs, `port-forward to ${namespace}/${pod}:${port}`),
  };
}
