//===- Parallel.h - The thread pool that runs generated parallel loops ----===//
//
// Generated CPU code forks its parallel regions through the interface that
// LLVM's OpenMPIRBuilder emits (__kmpc_fork_call and friends); xfc renames
// those calls to the xf_parallel_* functions below (codegen/Target/
// ParallelRuntime.cpp), which this runtime defines inside every model
// library: a library needs no OpenMP runtime, and never takes over the
// OpenMP calls of the program that loads it.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_PARALLEL_H
#define XF_RUNTIME_PARALLEL_H

#include <cstdint>

#include "xf/abi.h"

extern "C" {
/// A parallel region's body, called by each thread of the team with its
/// index (twice, as OpenMP's global and bound thread ids) and the region's
/// arguments.
typedef void (*xf_parallel_region)(int32_t *, int32_t *, ...);

/// Runs `region` on a team: the calling thread (index 0) and up to the set
/// thread count minus one idle pool workers; returns when all have finished.
/// A fork inside a region runs on the calling thread alone. `location` is
/// unused (OpenMP's source location).
void xf_parallel_fork(void *location, int32_t argc, xf_parallel_region region,
                      ...);
/// xf_parallel_fork of `args` (none when null) when `condition` is nonzero,
/// else `region` on the calling thread alone, as a team of one.
void xf_parallel_fork_if(void *location, int32_t argc,
                         xf_parallel_region region, int32_t condition,
                         void *args);
/// The calling thread's index in its team (0 outside a region).
int32_t xf_parallel_thread_id(void *location);
/// The size of the calling thread's team (1 outside a region).
int32_t xf_parallel_team_size();
/// Waits until every thread of the calling thread's team has arrived.
void xf_parallel_barrier(void *location, int32_t threadId);
/// Sets the calling thread's team size (0: one per CPU the process may run
/// on); exported, the loader finds it with dlsym (XF_SYM_SET_THREADS).
void xf_parallel_set_threads(int32_t threads);
}

#endif // XF_RUNTIME_PARALLEL_H
