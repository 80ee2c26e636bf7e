// The process environment the operator runs with everywhere it runs: the image (scripts/image.sh,
// the Dockerfile), `npm start` (scripts/main.sh) and the operator processes of tests and benches
// (test/unit/image-layout.test.ts checks they agree). Both must be set before node starts.
//
// Measured with 100 one-member clusters (bench:scale, test-results' heap probe): RSS idle 293-302 ->
// 219 MiB, with the clusters 637-801 -> 435 MiB. Of the difference, the young generation of each V8
// heap (the main thread's and the workflow thread's) committed up to 16 MiB per semi-space and
// grew the heaps' committed size to 2-3x what was live; and glibc gave each of the Temporal core's
// threads its own malloc arena, kept after use.
// Later, the two fixed malloc thresholds below and the operator bundled (scripts/bundle.ts): the heap
// probe with 100 clusters 331-391 -> 258-309 MiB (bench:scale still measured 403-421 MiB, not yet
// explained). glibc raises its mmap threshold as large blocks are freed, so bursts (100 clusters
// created at once) left free memory inside its heap that only malloc_trim gave back (measured with
// gdb: 333 -> 281 MiB). A threshold set in the environment stays where it is set.

export const OPERATOR_RUNTIME_ENV = {
  /** Two malloc arenas instead of 8 per core: the native side (Temporal's core) returns memory it freed. */
  MALLOC_ARENA_MAX: '2',
  /** Blocks of 64 KiB and more get their own mapping, returned to the system when freed. */
  MALLOC_MMAP_THRESHOLD_: '65536',
  /** Free memory above 128 KiB at the top of the heap goes back to the system. */
  MALLOC_TRIM_THRESHOLD_: '131072',
  /** Semi-spaces of 2 MiB: more frequent scavenges of a small young generation (the operator mostly waits). */
  NODE_OPTIONS: '--max-semi-space-size=2',
} as const;

/** The environment to start an operator process with: `env` plus the runtime settings (a value in `env` wins; NODE_OPTIONS appended to any given). */
export function operatorProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS, ...malloc } = OPERATOR_RUNTIME_ENV;
  return {
    ...malloc,
    ...env,
    NODE_OPTIONS: [NODE_OPTIONS, env.NODE_OPTIONS].filter(Boolean).join(' '),
  };
}
