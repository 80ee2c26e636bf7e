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
// probe with 100 clusters 331-391 -> 258-309 MiB (bench:scale still measured 403-421 MiB: see the
// next paragraph). glibc raises its mmap threshold as large blocks are freed, so bursts (100 clusters
// created at once) left free memory inside its heap that only malloc_trim gave back (measured with
// gdb: 333 -> 281 MiB). A threshold set in the environment stays where it is set.
// The rest of that gap was V8's own: since V8 13.6 (Node 24) a GC keeps the heap pages it frees in
// a pool, resident, and hands them back to the system only in a GC that reduces memory, which a busy
// operator rarely gets, so RSS kept the heap's highest committed size (the main heap swung between
// 66 and 130 MiB while 100 clusters were created). With OPERATOR_V8_FLAGS: bench:scale 305-319 (and
// earlier 391-421) -> 252-260 MiB, for more GC work (idle CPU 6-8 -> 9-10% of a core with 100 clusters).

import v8 from 'node:v8';

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

/**
 * V8 flags the operator sets on itself as it starts (node refuses them in NODE_OPTIONS). Read at
 * each GC, so they hold for the workflow thread too.
 * - Memory saver: every full GC reduces memory, so pooled pages go back to the system, for more GC
 *   work (see above; a burst of creates took up to twice the CPU). Paused while a snapshot streams
 *   through (transfer-gc.ts).
 * - External memory counted in the heap's global limit, as later V8 versions always do (the flag
 *   became the default, then went): Buffers passing through (a snapshot's gRPC messages and HTTP
 *   frames) no longer start a full GC each time 64 MiB of them were allocated. A 280 MiB backup
 *   (memory saver paused, parts in reused buffers) ran 17 full GCs of the operator's ~52 MiB heap
 *   (1.1-1.6 s of V8's helper threads, on a core etcd and S3 need) and 1 with it; the backup took
 *   2.7-3.3 s instead of 3.1-4.3 s.
 */
export const OPERATOR_V8_FLAGS = ['--memory-saver-mode', '--external-memory-accounted-in-global-limit'] as const;

let v8FlagsApplied = false;

/** Sets OPERATOR_V8_FLAGS on this process: call before the worker starts. */
export function applyOperatorV8Flags(): void {
  for (const flag of OPERATOR_V8_FLAGS) v8.setFlagsFromString(flag);
  v8FlagsApplied = true;
}

/** Whether this process runs with OPERATOR_V8_FLAGS (the operator does; a test's in-process worker need not). */
export const operatorV8FlagsApplied = (): boolean => v8FlagsApplied;

/** The environment to start an operator process with: `env` plus the runtime settings (a value in `env` wins; NODE_OPTIONS appended to any given). */
export function operatorProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_OPTIONS, ...malloc } = OPERATOR_RUNTIME_ENV;
  return {
    ...malloc,
    ...env,
    NODE_OPTIONS: [NODE_OPTIONS, env.NODE_OPTIONS].filter(Boolean).join(' '),
  };
}
