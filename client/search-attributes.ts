// The operator's workflows carry three custom search attributes; a namespace without them refuses
// every start. At startup the operator registers the missing ones when Temporal lets it, and
// otherwise stops with the exact commands an administrator runs.
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: no named exports under ESM
import { EtcdClusterName, EtcdClusterNamespace, EtcdOperation } from '../domain/search-attributes.ts';

export const REQUIRED_SEARCH_ATTRIBUTES = [EtcdClusterNamespace, EtcdClusterName, EtcdOperation].map((k) => k.name);

export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return REQUIRED_SEARCH_ATTRIBUTES.filter((name) => !(name in (customAttributes ?? {})));
}

export const createCommands = (namespace: string, names: readonly string[]) =>
  names.map((name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`).join(' && ');

/** Registers what is missing (and waits until Temporal lists it); throws one actionable line if it may not. */
export async function ensureSearchAttributes(client: Client, namespace: string, timeoutMs = 30_000): Promise<string[]> {
  const missing = await missingSearchAttributes(client, namespace);
  if (!missing.length) return [];
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
  } catch (err) {
    // Another operator replica may have registered them a moment ago.
    if ((await missingSearchAttributes(client, namespace)).length === 0) return missing;
    const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw new Error(`Temporal namespace ${namespace} lacks the search attributes ${missing.join(', ')} and this operator may not register them (${why}); run: ${createCommands(namespace, missing)}`);
  }
  const deadline = Date.now() + timeoutMs;
  while ((await missingSearchAttributes(client, namespace)).length) {
    if (Date.now() > deadline) throw new Error(`registered ${missing.join(', ')} in Temporal namespace ${namespace}, but it does not list them after ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return missing;
}
