// Kubernetes answers that no retry can change (403 forbidden, 422 invalid, 400, a 404 that reached
// an activity: a missing namespace or parent) end the activity at once with a message a user can act
// on; the transient ones (409 conflict, 429, 5xx, timeouts) stay retryable.
import { ApiException } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';

const PERMANENT = new Set([400, 401, 403, 404, 405, 406, 413, 415, 422]);

/** The API server's own message from a Status body, when there is one. */
function statusMessage(body: unknown): string {
  try {
    const s = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
    if (s?.message) return s.message;
  } catch { /* not JSON */ }
  return String(body ?? '').slice(0, 500);
}

export function classifyKubeError(err: unknown): unknown {
  if (!(err instanceof ApiException) || !PERMANENT.has(err.code)) return err;
  const message = statusMessage(err.body);
  // A ResourceQuota refusal is a 403 too ("exceeded quota"): pointing at RBAC would mislead.
  const quota = err.code === 403 && /exceeded quota/i.test(message);
  const hint = quota ? ' (a ResourceQuota of the namespace has no room for it)' : err.code === 403 ? ' (check the operator\'s RBAC: deploy/rbac/operator.yaml)' : '';
  return ApplicationFailure.nonRetryable(`Kubernetes refused the request (HTTP ${err.code}): ${message}${hint}`, quota ? 'QuotaExceeded' : `KubeHTTP${err.code}`);
}

/** Wraps every activity so permanent Kubernetes errors become non-retryable failures. */
export function withKubeErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, fn]) => [name, async (...args: never[]) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw classifyKubeError(err);
    }
  }])) as T;
}
