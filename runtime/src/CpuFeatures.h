//===- CpuFeatures.h - The instruction sets a CPU library may use ---------===//
//
// xfc lists in a library's manifest which of these x86 features the CPU it
// compiled for has (LLVM's names); the runtime refuses to load the library
// on a CPU without one of them, instead of stopping on an illegal
// instruction in the first run.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_CPUFEATURES_H
#define XF_RUNTIME_SRC_CPUFEATURES_H

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

inline constexpr CpuFeature kCpuFeatures[] = {
    {"popcnt", 1, 0, 'c', 23, CpuFeature::Legacy},
    {"sse4.2", 1, 0, 'c', 20, CpuFeature::Legacy},
    {"movbe", 1, 0, 'c', 22, CpuFeature::Legacy},
    {"lzcnt", 0x80000001, 0, 'c', 5, CpuFeature::Legacy},
    {"bmi", 7, 0, 'b', 3, CpuFeature::Legacy},
    {"bmi2", 7, 0, 'b', 8, CpuFeature::Legacy},
    {"avx", 1, 0, 'c', 28, CpuFeature::Avx},
    {"fma", 1, 0, 'c', 12, CpuFeature::Avx},
    {"f16c", 1, 0, 'c', 29, CpuFeature::Avx},
    {"avx2", 7, 0, 'b', 5, CpuFeature::Avx},
    {"avxvnni", 7, 1, 'a', 4, CpuFeature::Avx},
    {"gfni", 7, 0, 'c', 8, CpuFeature::Legacy},
    {"vaes", 7, 0, 'c', 9, CpuFeature::Avx},
    {"vpclmulqdq", 7, 0, 'c', 10, CpuFeature::Avx},
    {"avx512f", 7, 0, 'b', 16, CpuFeature::Avx512},
    {"avx512dq", 7, 0, 'b', 17, CpuFeature::Avx512},
    {"avx512ifma", 7, 0, 'b', 21, CpuFeature::Avx512},
    {"avx512cd", 7, 0, 'b', 28, CpuFeature::Avx512},
    {"avx512bw", 7, 0, 'b', 30, CpuFeature::Avx512},
    {"avx512vl", 7, 0, 'b', 31, CpuFeature::Avx512},
    {"avx512vbmi", 7, 0, 'c', 1, CpuFeature::Avx512},
    {"avx512vbmi2", 7, 0, 'c', 6, CpuFeature::Avx512},
    {"avx512vnni", 7, 0, 'c', 11, CpuFeature::Avx512},
    {"avx512bitalg", 7, 0, 'c', 12, CpuFeature::Avx512},
    {"avx512vpopcntdq", 7, 0, 'c', 14, CpuFeature::Avx512},
    {"avx512vp2intersect", 7, 0, 'd', 8, CpuFeature::Avx512},
    {"avx512fp16", 7, 0, 'd', 23, CpuFeature::Avx512},
    {"avx512bf16", 7, 1, 'a', 5, CpuFeature::Avx512},
};

/// The features of `required` this CPU lacks (or whose registers the OS
/// does not save), and any name not in kCpuFeatures, in order.
std::vector<std::string>
missingCpuFeatures(const std::vector<std::string> &required);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_CPUFEATURES_H
