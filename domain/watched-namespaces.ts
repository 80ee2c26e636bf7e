// The namespaces an operator watches, from `etcdop run -n` or ETCD_OPERATOR_WATCH_NAMESPACES: a
// comma-separated list; empty means all. Shared by the operator and `etcdop doctor`.
export function watchedNamespaces(list: string | undefined): string[] {
  return [...new Set((list ?? '').split(',').map((s) => s.trim()).filter(Boolean))];
}
