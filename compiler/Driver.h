//===- Driver.h - xfc's compilation, callable from tools and tests -*- C++ -*-//
//
// Runs the whole compiler: description → xf IR → passes → lowering → LLVM
// IR → object → lib<model>.so + <model>.h + <model>.json. `--emit` stages
// stop early and print what they have.
//
//===----------------------------------------------------------------------===//

#ifndef XF_COMPILER_DRIVER_H
#define XF_COMPILER_DRIVER_H

#include "codegen/GPU/Targets.h"
#include "codegen/Target/ObjectEmitter.h"
#include "frontend/Parse/Sema.h"
#include "passes/Passes.h"
#include <optional>
#include <string>
#include <vector>

namespace mlir::xf {

enum class EmitKind {
  Ast, Xf, Fused, Gpu, Ptx, Spirv, Llvm, Obj, Lib,
  Description ///< a Hugging Face directory's imported .xf text
};

struct CompileOptions {
  std::string input; ///< the .xf description, or a Hugging Face directory
  std::vector<::xf::parse::Override> sets; ///< --set overrides
  EmitKind emit = EmitKind::Lib;
  std::string output = "-";         ///< a directory for Lib, else a file or "-"
  TargetSpec target;                ///< the host CPU (--cpu)
  std::optional<GpuTargetSpec> gpu; ///< --target=cuda|vulkan
  bool printIRAfterAll = false;
  bool fuseAttention = true;  ///< --no-fuse=attention clears it
  bool foldTranspose = true;  ///< --no-fuse=transpose clears it
  bool fuseEpilogue = true;   ///< --no-fuse=epilogue clears it
  bool explainFusion = false; ///< one remark per fusion candidate
  Precision precision = Precision::F32; ///< --precision
  bool timings = false;       ///< print each phase's time to stderr
  /// --kernels=halide[:CLASSES]: the op classes (matmul, attention, norm,
  /// embedding, positions) that run as Halide kernels (CPU only); empty
  /// for --kernels=mlir.
  std::vector<std::string> halideKernels;
  std::string halideSchedule;     ///< --halide-schedule: a knobs file
  bool halideAutoschedule = false; ///< --halide-autoschedule
  bool profile = false;            ///< --profile: time every kernel (CPU)
  /// The root of the xfc tree the runtime comes from (lib/xfc/*.a,
  /// include/xf/*.h): an install prefix, or the build directory, which is
  /// laid out the same way. xfc uses its own location's parent.
  std::string runtimeRoot;
};

/// The outcome of a compilation: 0 success, 1 a user error (`message` holds
/// the one error line), 2 an internal failure.
struct CompileResult {
  int status = 0;
  std::string message;
};

CompileResult compile(const CompileOptions &options);

/// Applies a --no-fuse list (attention,transpose,epilogue); returns false
/// with `error` on an unknown name.
bool applyNoFuse(const std::string &list, CompileOptions &options,
                 std::string &error);

/// Applies --target (cpu, cuda, vulkan) and --gpu-arch (sm_NN, CUDA only);
/// returns false with `error` on a bad value.
bool applyTarget(const std::string &target, const std::string &gpuArch,
                 CompileOptions &options, std::string &error);

/// Applies --precision (fp32, bf16, int8; reduced precision on the CPU
/// only: call after applyTarget); returns false with `error` on a bad
/// value.
bool applyPrecision(const std::string &precision, CompileOptions &options,
                    std::string &error);

/// Applies --kernels (mlir, halide, halide:CLASS,CLASS... with classes
/// matmul, attention, norm, elementwise, embedding, positions; CPU only: call after
/// applyTarget); returns false with `error` on a bad value.
bool applyKernels(const std::string &kernels, CompileOptions &options,
                  std::string &error);

/// Parses an --emit value.
bool parseEmitKind(const std::string &text, EmitKind &out);

/// The root of the tree holding the executable `argv0` (its directory's
/// parent: PREFIX for PREFIX/bin/xfc), found through /proc/self/exe so
/// a copied or symlinked xfc still finds its own tree.
std::string runtimeRootOf(const char *argv0, void *mainAddress);

} // namespace mlir::xf

#endif // XF_COMPILER_DRIVER_H
