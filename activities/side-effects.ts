// What an activity changed, logged at info through the activity's own logger (so each line carries
// the workflow id and the activity type): a member added, a pod deleted, a snapshot stored. Silent
// when an activity function is called directly, outside a worker (tests).
import { Context } from '@temporalio/activity';
import type { ClusterKey } from '../domain/types.ts';

export function logSideEffect(message: string, key: Pick<ClusterKey, 'name' | 'namespace'>, fields: Record<string, unknown> = {}): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return;
  }
  ctx.log.info(message, { cluster: `${key.namespace}/${key.name}`, ...fields });
}
