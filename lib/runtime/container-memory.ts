// How every loginpipe service process is started in a container (the Dockerfile, the Kubernetes
// manifests) and in the bench, so that the bench measures the memory production gets. Unit tests
// hold the Dockerfile and the manifests to these values (docs/operations.md#memory).
//
// Measured on a 200,000-record backlog (docs/benchmarks.md#backlog), the processor's peak RSS was
// 342 MiB with Node's defaults and the old space capped at 128 MiB; most of it was not the old space:
// - V8's young generation: Node 24 lets each semi-space grow to 16 MiB or more under a fast
//   allocator like a catching-up consumer, and the heap's committed size reached 180-200 MiB with
//   45 MiB live. Semi-spaces of 4 MiB kept it near 60 MiB, and the processor spent less CPU per
//   record, not more (the records it allocates die young either way).
// - glibc malloc: Buffers (fetch responses, produce requests) come from malloc; per-thread arenas
//   and a mmap threshold that rises after the first large free kept freed Buffers resident as
//   fragmented heap (60-80 MiB of [heap]). Two arenas and a fixed 64 KiB threshold send every
//   large Buffer to its own mapping, returned to the kernel when freed.

/** V8 old space of one service process, MiB (`loginpipe run`, all three in one process, gets twice this). */
export const SERVICE_OLD_SPACE_MIB = 128;

/** V8 semi-space (half the young generation), MiB. */
export const SEMI_SPACE_MIB = 4;

/** glibc malloc settings, read by the C library when the process starts: they must be in its environment. */
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '65536',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** The NODE_OPTIONS a service process gets, for an old space of `oldSpaceMib`. */
export function serviceNodeOptions(oldSpaceMib: number = SERVICE_OLD_SPACE_MIB): string {
  return `--max-old-space-size=${oldSpaceMib} --max-semi-space-size=${SEMI_SPACE_MIB}`;
}

/** The whole environment above, for a process started by loginpipe's own tools. */
export function serviceMemoryEnv(oldSpaceMib: number = SERVICE_OLD_SPACE_MIB): Record<string, string> {
  return { NODE_OPTIONS: serviceNodeOptions(oldSpaceMib), ...MALLOC_ENV };
}
