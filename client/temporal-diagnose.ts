// Why Temporal turned us away, in one line. The gRPC clients report a server that refuses our TLS
// client as "transport error" or "broken pipe"; a plain node:tls handshake with the same CA,
// certificate, key and server name tells which side refused and why.
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { TemporalTarget } from './temporal.ts';

export interface Diagnosis {
  /** The server answered and turned us away (as opposed to: not reachable at all). */
  refused: boolean;
  reason: string;
}

interface TlsMaterial { serverNameOverride?: string; serverRootCACertificate?: Uint8Array; clientCertPair?: { crt: Uint8Array; key: Uint8Array } }

/** "host:port" or "[v6]:port". */
function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
  return m ? { host: (m[1] ?? m[2])!, port: Number(m[3]) } : { host: address, port: 7233 };
}

const certName = (pem: Uint8Array | string) => {
  try {
    const c = new X509Certificate(Buffer.from(pem));
    return `"${c.subject.replace(/\n/g, ', ')}" issued by "${c.issuer.replace(/\n/g, ', ')}"`;
  } catch {
    return 'unreadable';
  }
};

/** "ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE" -> "bad certificate". */
const alertOf = (err: NodeJS.ErrnoException) => /ALERT_([A-Z_]+)$/.exec(err.code ?? '')?.[1]?.toLowerCase().replace(/_/g, ' ');

function classify(err: NodeJS.ErrnoException, target: string, tls: TlsMaterial | undefined, handshakeDone: boolean): Diagnosis | undefined {
  const alert = alertOf(err);
  const ours = tls?.clientCertPair;
  if (err.code === 'ECONNREFUSED') return { refused: false, reason: `nothing listens on ${target} (connection refused)` };
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return { refused: false, reason: `${target}: host name not found` };
  if (!tls) return alert ? plaintextToTls(target) : undefined; // a plaintext server: the cause lies elsewhere
  if (alert === 'certificate required' || (!ours && alert)) {
    return { refused: true, reason: `the server requires a client certificate and none is configured (TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH)${alert === 'certificate required' ? '' : ` (TLS alert: ${alert})`}` };
  }
  if (alert) return { refused: true, reason: `the server rejected our client certificate ${certName(ours!.crt)} (TLS alert: ${alert}): is it signed by a CA the server trusts, and valid now?` };
  if (err.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || (!handshakeDone && err.code === 'ECONNRESET')) {
    return { refused: true, reason: `${target} does not speak TLS (${err.code}): is TLS on at the server, or should the client connect in plaintext?` };
  }
  if (handshakeDone) return { refused: true, reason: `the server closed the connection after the TLS handshake (${err.code ?? err.message}): it did not accept ${ours ? `our client certificate ${certName(ours.crt)}` : 'a client without a certificate'}` };
  return { refused: false, reason: `TLS to ${target} failed: ${err.code ?? err.message}` };
}

const plaintextToTls = (target: string): Diagnosis => ({ refused: true, reason: `${target} speaks TLS but the client connects in plaintext: set TEMPORAL_TLS=true or the TEMPORAL_TLS_* paths` });

/**
 * One TLS handshake to the target with its own TLS settings (or, when none are configured, a test
 * whether the server speaks TLS at all), then an HTTP/2 preface: the server's first frame means it
 * accepted us. Undefined when nothing is wrong at this level (the cause lies elsewhere).
 */
export async function diagnoseTls(target: TemporalTarget, timeoutMs = 5000): Promise<Diagnosis | undefined> {
  const address = target.connectionOptions.address;
  const { host, port } = hostPort(address);
  const configured = target.connectionOptions.tls;
  const tls: TlsMaterial | undefined = configured ? (typeof configured === 'object' ? configured as TlsMaterial : {}) : undefined;
  const servername = tls?.serverNameOverride ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
  const options: ConnectionOptions = {
    host, port, servername, ALPNProtocols: ['h2'], rejectUnauthorized: false,
    ...(tls?.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
    ...(tls?.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
  };
  return new Promise((resolve) => {
    let socket: TLSSocket;
    let handshakeDone = false;
    const finish = (d: Diagnosis | undefined) => { clearTimeout(timer); socket?.destroy(); resolve(d); };
    const timer = setTimeout(() => finish({ refused: false, reason: `${address} gave no TLS answer within ${timeoutMs / 1000}s` }), timeoutMs);
    try {
      socket = connect(options);
    } catch (err) {
      finish({ refused: false, reason: `our TLS material cannot be used: ${(err as Error).message}` });
      return;
    }
    socket.on('secureConnect', () => {
      handshakeDone = true;
      if (!tls) return finish(plaintextToTls(address));
      if (!socket.authorized) {
        const peer = socket.getPeerX509Certificate();
        const against = tls.serverRootCACertificate ? `the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH (${certName(tls.serverRootCACertificate)})` : 'the system CAs';
        return finish({ refused: true, reason: `we do not trust the server's certificate${peer ? ` ${certName(peer.raw)}` : ''}: ${String(socket.authorizationError)} against ${against}${servername ? ` and name ${servername}` : ''}` });
      }
      // TLS 1.3: the server judges our certificate after the handshake; its answer to the preface tells.
      socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    });
    socket.on('data', () => finish(undefined));
    socket.on('error', (err: NodeJS.ErrnoException) => finish(classify(err, address, tls, handshakeDone)));
    socket.on('close', () => finish(!tls ? undefined : handshakeDone
      ? { refused: true, reason: `the server closed the connection right after the TLS handshake: it did not accept ${tls.clientCertPair ? `our client certificate ${certName(tls.clientCertPair.crt)}` : 'a client without a certificate'}` }
      : { refused: false, reason: `${address} closed the connection during the TLS handshake` }));
  });
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();

/** The error `etcdop run` stops with when Temporal cannot be connected to: one line, the target, the reason. */
export async function temporalConnectError(target: TemporalTarget, err: unknown): Promise<Error> {
  const d = await diagnoseTls(target).catch(() => undefined);
  const cause = firstLine(err).slice(0, 300);
  if (!d) return new Error(`could not connect to Temporal at ${target.describe}: ${cause}`);
  return new Error(`${d.refused ? `Temporal at ${target.describe} refused the connection` : `could not reach Temporal at ${target.describe}`}: ${d.reason} (client error: ${cause})`);
}

/** A connection failure (the worker's TransportError, the client's UNAVAILABLE or connect deadline), not any other error. */
export const isConnectError = (err: unknown) =>
  err instanceof Error && (err.name === 'TransportError' || /\bUNAVAILABLE\b|Failed to connect before the deadline/.test(err.message));

/** For `.catch()` around a connect: a connection failure becomes temporalConnectError's one line; anything else passes. */
export const explainConnectError = (target: TemporalTarget) => async (err: unknown): Promise<never> => {
  throw isConnectError(err) ? await temporalConnectError(target, err) : err;
};
