// The floor later operator benchmarks are compared with: a plain 3-pod etcd manifest (no operator)
// from `kubectl apply` to all pods Ready and `endpoint health --cluster` healthy, on the same node.
import { kubectl, tempNamespace, fixture, execIn, etcdImage } from '../test/support/kube.ts';

const manifest = new URL('../test/e2e/fixtures/etcd-3pod.yaml', import.meta.url);

export async function measureFloor(version = '3.6.16'): Promise<number> {
  const { ns, cleanup } = tempNamespace('floor');
  try {
    const t0 = performance.now();
    kubectl(['apply', '-n', ns, '-f', '-'], fixture(manifest, { NS: ns, IMAGE: etcdImage(version) }));
    kubectl(['wait', '-n', ns, '--for=condition=Ready', 'pod', 'etcd-0', 'etcd-1', 'etcd-2', '--timeout=180s']);
    for (;;) {
      try {
        const out = execIn(ns, 'etcd-0', ['etcdctl', 'endpoint', 'health', '--cluster']);
        if (out.match(/is healthy/g)?.length === 3) break;
      } catch { /* not yet */ }
      if (performance.now() - t0 > 180_000) throw new Error('floor cluster not healthy in 180s');
      await new Promise((r) => setTimeout(r, 250));
    }
    return (performance.now() - t0) / 1000;
  } finally {
    cleanup();
  }
}
