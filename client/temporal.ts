// Temporal client factory: one place that reads TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.
import { Client, Connection } from '@temporalio/client';

export const temporalAddress = () => process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
export const temporalNamespace = () => process.env.TEMPORAL_NAMESPACE ?? 'default';

export async function connectClient(): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return new Client({ connection, namespace: temporalNamespace() });
}
