// `etcdop status`: a cluster's members, conditions and operation, once or followed (--watch) until
// the running operation ends.
import type { EtcdCluster } from '../k8s/etcd-cluster.ts';
import type { Kube } from '../k8s/kube-client.ts';
import { getCluster, outputFormat } from './common.ts';

const sizeOf = (obj: EtcdCluster) => (obj.spec as { size?: number } | undefined)?.size;

export const clusterSummary = (obj: EtcdCluster, namespace: string) => ({ name: obj.metadata.name, namespace, spec: obj.spec, status: obj.status ?? {} });

export function statusLines(obj: EtcdCluster, namespace: string): string[] {
  const s = obj.status ?? {};
  return [
    `EtcdCluster ${namespace}/${obj.metadata.name}  generation ${obj.metadata.generation} (observed ${s.observedGeneration ?? '-'})`,
    `  version ${s.currentVersion ?? '-'}, ready ${s.readyMembers ?? 0}/${sizeOf(obj) ?? '?'}`,
    '  conditions:',
    ...(s.conditions ?? []).map((c) => `    ${c.type.padEnd(12)} ${c.status.padEnd(7)} ${c.reason}${c.message ? `: ${c.message}` : ''}`),
    '  members:',
    ...(s.members ?? []).map((m) => `    ${m.name.padEnd(24)} id=${m.id ?? '-'} ${m.leader ? 'leader' : m.learner ? 'learner' : 'follower'} ${m.healthy ? 'healthy' : 'UNHEALTHY'} ${m.version ?? ''}`),
    `  operation: ${s.operation ? `${s.operation.type} step=${s.operation.step ?? '-'} workflow=${s.operation.workflowId}${s.operation.reason ? `\n    why: ${s.operation.reason}` : ''}` : 'none'}`,
    `  last: ${s.lastOperation ? `${s.lastOperation.type} ${s.lastOperation.result} ${s.lastOperation.finishedAt} ${s.lastOperation.message ?? ''}` : 'none'}`,
    ...(s.restoredFrom ? [`  restored from: ${s.restoredFrom.backup ?? s.restoredFrom.location} at revision ${s.restoredFrom.revision ?? '?'} (${s.restoredFrom.reason}, ${s.restoredFrom.completedAt})`] : []),
  ];
}

/** One line of progress: what runs, its step, members ready of the size, time since the watch began. */
export function progressOf(obj: EtcdCluster, elapsedSeconds: number) {
  const s = obj.status ?? {};
  return {
    elapsedSeconds,
    operation: s.operation?.type,
    step: s.operation?.step,
    readyMembers: s.readyMembers ?? 0,
    size: sizeOf(obj),
    workflowId: s.operation?.workflowId,
    last: s.lastOperation && { type: s.lastOperation.type, result: s.lastOperation.result, message: s.lastOperation.message },
  };
}
const progressLine = (p: ReturnType<typeof progressOf>) => p.operation
  ? `[${p.elapsedSeconds}s] ${p.operation}: ${p.step ?? '-'}  (ready ${p.readyMembers}/${p.size ?? '?'})`
  : `[${p.elapsedSeconds}s] no operation running  (ready ${p.readyMembers}/${p.size ?? '?'})${p.last ? `; last: ${p.last.type} ${p.last.result}${p.last.message ? `: ${p.last.message}` : ''}` : ''}`;

/**
 * Prints a cluster's progress (a line, or a JSON/YAML document) each time it changes, the elapsed
 * time since this printer was made aside: `status --watch` and `defrag --watch` share it.
 */
export function progressPrinter(format: string): (obj: EtcdCluster) => Promise<void> {
  const f = outputFormat(format);
  const t0 = Date.now();
  let last = '';
  return async (obj) => {
    const p = progressOf(obj, Math.round((Date.now() - t0) / 1000));
    const key = JSON.stringify({ ...p, elapsedSeconds: 0 });
    if (key === last) return;
    last = key;
    if (f === 'text') console.log(progressLine(p));
    else if (f === 'json') console.log(JSON.stringify(p));
    else console.log(`---\n${(await import('yaml')).stringify(p).trimEnd()}`);
  };
}

/**
 * Follows the cluster until no operation runs and the current generation is observed; prints its
 * progress on every change. True when it ends Available with the last operation not failed or cancelled.
 */
export async function watchCluster(kube: Kube, name: string, namespace: string, format: string, pollMs = 1000): Promise<boolean> {
  const show = progressPrinter(format);
  for (;;) {
    const obj = await getCluster(name, namespace, kube);
    await show(obj);
    const s = obj.status ?? {};
    const settled = !s.operation && (s.observedGeneration ?? 0) >= (obj.metadata.generation ?? 0);
    if (settled) {
      const available = s.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
      return available && s.lastOperation?.result !== 'Failed' && s.lastOperation?.result !== 'Cancelled';
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
