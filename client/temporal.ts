// The one place that says how to reach Temporal: Temporal's own client environment configuration
// (@temporalio/envconfig): TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*
// (client certificate and key, server CA, server name), and the TOML profile file
// (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE). The worker, the watchers and the CLI all connect here.
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';

const DEFAULT_ADDRESS = '127.0.0.1:7233';

export interface TemporalTarget {
  /** For NativeConnection.connect (the worker) and Connection.connect (clients): same fields. */
  connectionOptions: ClientConnectConfig['connectionOptions'] & { address: string };
  namespace: string;
  /** One line for logs and messages: address, namespace, TLS or not; never a key. */
  describe: string;
}

export function temporalTarget(env: Record<string, string | undefined> = process.env): TemporalTarget {
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  const address = connectionOptions.address ?? DEFAULT_ADDRESS;
  const ns = namespace ?? 'default';
  const tls = connectionOptions.tls ? (typeof connectionOptions.tls === 'object' && connectionOptions.tls.clientCertPair ? 'mTLS' : 'TLS') : 'plaintext';
  const auth = connectionOptions.apiKey ? ', API key' : '';
  return { connectionOptions: { ...connectionOptions, address }, namespace: ns, describe: `${address} (namespace ${ns}, ${tls}${auth})` };
}


/**
 * grpc-js waits ever longer between reconnection attempts (x1.6, up to 2 minutes): after Temporal was
 * away for a minute the client would only try again ~30 s after it is back, and the operator stay
 * unready and its signals fail that long. At most 5 s between attempts instead.
 */
const RECONNECT_BACKOFF = { 'grpc.initial_reconnect_backoff_ms': 1000, 'grpc.max_reconnect_backoff_ms': 5000 };

/**
 * grpc-js gives TLS the address's host as the server name even when it is an IP address, and Node
 * then warns (DEP0123) on stderr: noise in a CLI that promises one line, and nothing a user can
 * change (the certificate is still checked against the IP). Only that warning is dropped.
 */
let warningFiltered = false;
function dropIpServerNameWarning(): void {
  if (warningFiltered) return;
  warningFiltered = true;
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (w: Error & { code?: string }) => { if (w.code !== 'DEP0123') for (const print of printers) print(w); });
}

export async function connectClient(target: TemporalTarget = temporalTarget()): Promise<Client> {
  if (target.connectionOptions.tls) dropIpServerNameWarning();
  const options = target.connectionOptions as Parameters<typeof Connection.connect>[0];
  const connection = await Connection.connect({ ...options, channelArgs: { ...RECONNECT_BACKOFF, ...options?.channelArgs } });
  return new Client({ connection, namespace: target.namespace });
}
