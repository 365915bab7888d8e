//===- HalideKernels.h - xf-halide run beside xfc's code generation -*- C++ -*-//
//
// The Halide kernels a library calls are compiled by xf-halide (a process
// of its own: Halide links LLVM 14, xfc LLVM 22) while xfc generates the rest
// of the library; their objects join the link.
//
//===----------------------------------------------------------------------===//

#ifndef XF_COMPILER_HALIDEKERNELS_H
#define XF_COMPILER_HALIDEKERNELS_H

#include "llvm/Support/Program.h"
#include <string>
#include <vector>

namespace mlir::xf {

class HalideKernelBuild {
public:
  HalideKernelBuild() = default;
  HalideKernelBuild(const HalideKernelBuild &) = delete;
  HalideKernelBuild &operator=(const HalideKernelBuild &) = delete;
  ~HalideKernelBuild(); ///< removes the scratch directory

  /// Starts `root`/bin/xf-halide on the spec lines `specs` for a CPU with
  /// `features` (LLVM names), with a knobs file or the autoscheduler: one
  /// process per core, the kernels (and Halide's runtime) spread over them
  /// by their expected compile time; false with `error` when one cannot
  /// start.
  bool start(const std::string &root, const std::vector<std::string> &specs,
             const std::vector<std::string> &features,
             const std::string &schedule, bool autoschedule,
             std::string &error);

  /// Waits for xf-halide; on success adds the objects to `objects`. On
  /// failure `error` is xf-halide's message and `userError` says whether
  /// the user's input (a schedule file) caused it.
  bool finish(std::vector<std::string> &objects, std::string &error,
              bool &userError);

private:
  std::string scratch;
  std::vector<std::string> names;
  std::vector<llvm::sys::ProcessInfo> processes; ///< running ones
  std::vector<std::string> errorFiles;           ///< their stderr
};

} // namespace mlir::xf

#endif // XF_COMPILER_HALIDEKERNELS_H
