//===- CpuFeatures.h - The instruction sets a CPU library may use ---------===//
//
// xfc lists in a library's manifest which of the x86 features of xf/abi.h
// the CPU it compiled for has (LLVM's names); the runtime refuses to load
// the library on a CPU without one of them, instead of stopping on an
// illegal instruction in the first run.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_CPUFEATURES_H
#define XF_RUNTIME_SRC_CPUFEATURES_H

#include "xf/abi.h"
#include <string>
#include <vector>

namespace xf::rt {

/// Where CPUID reports a feature, and the OS-enabled register state it
/// needs (XCR0).
struct CpuFeature {
  const char *name; ///< LLVM's name
  unsigned leaf, subleaf;
  char reg; ///< 'b', 'c' or 'd' (EBX, ECX, EDX); 'a' for EAX
  unsigned bit;
  enum State { Legacy, Avx, Avx512 } state;
};

/// The table of xf/abi.h (the names a manifest may list).
inline constexpr CpuFeature kCpuFeatures[] = {
#define XF_CPU_FEATURE(name, leaf, subleaf, reg, bit, state)                   \
  {name, leaf, subleaf, reg, bit, static_cast<CpuFeature::State>(state)},
    XF_ABI_CPU_FEATURES(XF_CPU_FEATURE)
#undef XF_CPU_FEATURE
};

/// The features of `required` this CPU lacks (or whose registers the OS
/// does not save), and any name not in kCpuFeatures, in order.
std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_CPUFEATURES_H
