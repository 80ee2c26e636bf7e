// The watcher's dispatch decision, level-triggered: an EtcdCluster object in, what to tell its
// workflow out (report an invalid spec, delete, converge a new generation, or nothing). Pure.
import { FINALIZER } from '../k8s/api.ts';
import { validateClusterSpec, formatSpecErrors } from '../k8s/cluster-spec.ts';
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import { getCondition } from '../k8s/conditions.ts';
import { bounded, CONDITION_MESSAGE_MAX } from '../k8s/status-text.ts';

export type DispatchDecision =
  /** `deleted`: being deleted and not (or no longer) ours to clean up: nothing to run, ever. */
  | { kind: 'none'; why: string; deleted?: true }
  | { kind: 'invalid'; generation: number; message: string; alreadyReported: boolean }
  | { kind: 'delete' }
  | { kind: 'converge'; generation: number };

export function dispatchDecision(obj: EtcdCluster): DispatchDecision {
  const generation = obj.metadata.generation ?? 0;
  if (obj.metadata.deletionTimestamp) {
    return obj.metadata.finalizers?.includes(FINALIZER) ? { kind: 'delete' } : { kind: 'none', why: 'deleting, not ours to clean up', deleted: true };
  }
  const v = validateClusterSpec(obj.spec);
  if (!v.ok) {
    // As the condition stores it (cut to its maxLength), so a long one is not reported again on every event.
    const message = bounded(formatSpecErrors(v.errors), CONDITION_MESSAGE_MAX);
    const cond = getCondition(obj.status?.conditions, 'SpecValid');
    const alreadyReported = cond?.status === 'False' && cond.message === message && cond.observedGeneration === generation;
    return { kind: 'invalid', generation, message, alreadyReported };
  }
  if (obj.status?.observedGeneration === generation && getCondition(obj.status?.conditions, 'SpecValid')?.status === 'True') {
    return { kind: 'none', why: 'generation already observed' };
  }
  return { kind: 'converge', generation };
}
