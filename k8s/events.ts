// Kubernetes Events about our objects: one per step of an operation, named so a repeated step
// writes the same Event again instead of a second one. Pure.
import type { CoreV1Event } from '@kubernetes/client-node';

export interface EventInput { id: string; type: 'Normal' | 'Warning'; reason: string; message: string }

/** An Event about one object, named `<object>.<id>` so a retried step records it once. */
export function eventAbout(involvedObject: { apiVersion: string; kind: string; name: string; namespace: string; uid: string }, e: EventInput, at: Date): CoreV1Event {
  const t = at.toISOString();
  return {
    metadata: { name: `${involvedObject.name}.${e.id}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 253), namespace: involvedObject.namespace },
    involvedObject,
    type: e.type, reason: e.reason, message: e.message,
    source: { component: 'etcd-operator' }, reportingComponent: 'etcd.operator.dev/operator', reportingInstance: 'etcd-operator',
    firstTimestamp: t as unknown as Date, lastTimestamp: t as unknown as Date, count: 1,
  };
}
