// A test's call to etcd through a client Service, made again until etcd itself answers. With four
// suites side by side on two cores, a connection through the Service now and then does not come up
// within the client's dial timeout (full runs saw it three times, in two suites). kube-proxy
// puts an endpoint change into place 0.25-3 s after it there (its network-programming histogram),
// so a Service right after a rollout may still lead to a pod that is gone. A user's client retries
// that; a test asserting etcd's verdict (a value, a refusal) must not take it for one.
import { GRPCDeadlineExceededError, isRecoverableError } from 'etcd3';

/** No answer from etcd (no connection, a reset, a deadline): anything else is etcd's own answer. */
export const noAnswer = (err: unknown): boolean =>
  err instanceof Error && (isRecoverableError(err) || err instanceof GRPCDeadlineExceededError || err.name === 'BrokenCircuitError');

/**
 * `call`'s result, or the error etcd answered with. Calls that got no answer are made again (each
 * logged, so a run shows how often) until `timeoutMs`; then the last one's error is thrown.
 */
export async function answered<T>(what: string, call: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!noAnswer(err) || Date.now() > deadline) throw err;
      console.error(`${new Date().toISOString()} ${what}: no answer from etcd on attempt ${attempt} (${(err as Error).constructor.name}: ${(err as Error).message.split('\n')[0]}); again`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
