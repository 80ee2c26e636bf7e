// One-line summaries the Temporal UI shows next to a workflow and each of its activities, so a
// reader sees which cluster and member a row is about without opening its input.
import type { ClusterKey, OperationType } from '../domain/types.ts';

/** Temporal keeps summaries short; the UI shows one line. */
const MAX = 200;
const clip = (s: string) => (s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s);

/** `Scale default/example: scaling 3 -> 5: adding example-4`. */
export function operationSummary(key: Pick<ClusterKey, 'namespace' | 'name'>, type: OperationType, reason?: string): string {
  return clip(`${type} ${key.namespace}/${key.name}${reason ? `: ${reason}` : ''}`);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isKey = (v: unknown): v is { namespace: string; name: string } => isObject(v) && typeof v.namespace === 'string' && typeof v.name === 'string';

/** What an activity call acts on, beyond its cluster: a member name, a step, an Event's reason. Never a value that could be secret. */
function subject(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg.length <= 80 ? arg : undefined;
  if (!isObject(arg)) return undefined;
  for (const field of ['member', 'step', 'reason', 'type']) {
    const v = arg[field];
    if (typeof v === 'string' && v.length <= 80) return v;
  }
  return undefined;
}

/**
 * `example-4 · default/example`: what an activity acts on and the object it belongs to (the UI shows
 * it after the activity's type). Undefined when the arguments say neither.
 */
export function activitySummary(args: readonly unknown[]): string | undefined {
  const owner = args.find(isKey);
  const what = args.filter((a) => a !== owner).map(subject).find((s) => s !== undefined);
  const text = [what, owner && `· ${owner.namespace}/${owner.name}`].filter(Boolean).join(' ');
  return text ? clip(text) : undefined;
}
