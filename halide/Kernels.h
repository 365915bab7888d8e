//===- Kernels.h - The fused xf ops as Halide pipelines ---------*- C++ -*-===//
//
// One builder per kernel kind: the algorithm (what the op computes, as the
// interpreter defines it) and, beside it, its schedule (how the loops run),
// whose knobs a schedule file may change (docs/halide.md). Buffers are in
// Halide's order, innermost dimension first: a row-major memref [M, K] is
// the Halide buffer (k, m).
//
//===----------------------------------------------------------------------===//

#ifndef XF_HALIDE_KERNELS_H
#define XF_HALIDE_KERNELS_H

#include "halide/KernelSpec.h"
#include <Halide.h>

namespace xf::halide {

/// A pipeline ready to compile: its arguments in the order of the
/// function xfc calls (inputs, then the output last, as Halide puts it).
struct BuiltKernel {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;
};

/// How the schedules are chosen: the hand-written ones (with the knobs), or
/// Halide's Mullapudi2016 autoscheduler from size estimates.
struct ScheduleChoice {
  const ScheduleKnobs *knobs = nullptr;
  bool autoschedule = false;
};

/// Builds the kernel `spec` describes for `target`; false with `error`
/// naming the kernel and what is wrong with its spec.
bool buildKernel(const KernelSpec &spec, const Halide::Target &target,
                 const ScheduleChoice &schedule, BuiltKernel &out,
                 std::string &error);

// The builders, one file each.
bool buildLinear(const KernelSpec &spec, const Halide::Target &target,
                 const ScheduleChoice &schedule, BuiltKernel &out,
                 std::string &error);
bool buildAttention(const KernelSpec &spec, const Halide::Target &target,
                    const ScheduleChoice &schedule, BuiltKernel &out,
                    std::string &error);
bool buildNorm(const KernelSpec &spec, const Halide::Target &target,
               const ScheduleChoice &schedule, BuiltKernel &out,
               std::string &error);
bool buildElementwise(const KernelSpec &spec, const Halide::Target &target,
                      const ScheduleChoice &schedule, BuiltKernel &out,
                      std::string &error);
bool buildEmbedding(const KernelSpec &spec, const Halide::Target &target,
                    const ScheduleChoice &schedule, BuiltKernel &out,
                    std::string &error);
bool buildSinusoid(const KernelSpec &spec, const Halide::Target &target,
                   const ScheduleChoice &schedule, BuiltKernel &out,
                   std::string &error);
bool buildRope(const KernelSpec &spec, const Halide::Target &target,
               const ScheduleChoice &schedule, BuiltKernel &out,
               std::string &error);

/// `y` after `activation` (none, relu, gelu, gelu_tanh, silu), as
/// xf.matmul's epilogue; false for an unknown name.
bool applyActivation(const std::string &activation, Halide::Expr &y);

} // namespace xf::halide

#endif // XF_HALIDE_KERNELS_H
