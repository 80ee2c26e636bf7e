// The process environment the operator runs with everywhere it runs: the image (scripts/image.sh,
// the Dockerfile), `npm start` (scripts/main.sh) and the operator processes of tests and benches
// (test/unit/image-layout.test.ts checks they agree). Both must be set before node starts.
//
// Measured with 100 one-member clusters (bench:scale, test-results' heap probe): RSS idle 293-302 ->
// 219 MiB, with the clusters 637-801 -> 435 MiB. Of the difference, the young generation of each V8
// heap (the main thread's and the workflow thread's) committed up to 16 MiB per semi-space and
// grew the heaps' committed size to 2-3x what was live; and glibc gave each of the Temporal core's
// threads its own malloc arena, kept after use.

export const OPERATOR_RUNTIME_ENV = {
  /** Two malloc arenas instead of 8 per core: the native side (Temporal's core) returns memory it freed. */
  MALLOC_ARENA_MAX: '2',
  /** Semi-spaces of 2 MiB: more frequent scavenges of a small young generation (the operator mostly waits). */
  NODE_OPTIONS: '--max-semi-space-size=2',
} as const;

/** The environment to start an operator process with: `env` plus the runtime settings (NODE_OPTIONS appended to any given). */
export function operatorProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? OPERATOR_RUNTIME_ENV.MALLOC_ARENA_MAX,
    NODE_OPTIONS: [OPERATOR_RUNTIME_ENV.NODE_OPTIONS, env.NODE_OPTIONS].filter(Boolean).join(' '),
  };
}
