// The worker's workflow cache size, as an operator setting (--max-cached-workflows,
// ETCD_OPERATOR_MAX_CACHED_WORKFLOWS). Each cached run costs memory; a run not in the cache is
// replayed from its history at its next task, which costs CPU instead.

/** The worker's workflow cache size: a whole number, at least 2 (0 turns the cache off); absent: the SDK's default. */
export function maxCachedWorkflows(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n === 1 || n < 0) throw new Error(`--max-cached-workflows / ETCD_OPERATOR_MAX_CACHED_WORKFLOWS must be 0 (no cache) or a whole number of at least 2, not "${value}"`);
  return n;
}
