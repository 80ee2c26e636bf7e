// etcd versions (X.Y.Z) in semantic order. Pure: the workflows' planner uses it too.

export const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');

/** Semantic order of X.Y.Z versions (3.5.9 < 3.5.10, which string order gets wrong). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** The lowest of these versions, or undefined for none. */
export const lowestVersion = (versions: readonly string[]): string | undefined => [...versions].sort(compareVersions)[0];
