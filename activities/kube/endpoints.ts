// Whether clients can reach the cluster through its client Service: the members' pods must be
// ready endpoints of that Service, which lags etcd's own health by the readiness probe period.
import { clientServiceName } from '../../k8s/api.ts';
import type { ClusterKey } from '../../domain/types.ts';
import type { Kube } from '../../k8s/kube-client.ts';
import { notYet } from '../not-yet.ts';

export function endpointActivities({ kube }: { kube: Kube }) {
  return {
    /** Poll: succeeds when every expected member is a ready endpoint of the client Service. */
    async checkClientEndpoints(key: ClusterKey, expected: string[]): Promise<string[]> {
      const slices = await kube.listEndpointSlices(key.namespace, clientServiceName(key.name));
      const ready = new Set(slices.flatMap((s) => s.endpoints ?? [])
        .filter((e) => e.conditions?.ready && e.targetRef?.kind === 'Pod')
        .map((e) => e.targetRef!.name!));
      const missing = expected.filter((m) => !ready.has(m));
      if (missing.length) throw notYet(`not ready endpoints of ${clientServiceName(key.name)} yet: ${missing}`);
      return [...ready].sort();
    },
  };
}
