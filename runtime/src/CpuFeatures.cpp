//===- CpuFeatures.cpp - Whether this CPU has a library's features --------===//

#include "runtime/src/CpuFeatures.h"
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using namespace xf::rt;

namespace {

#if defined(__x86_64__) || defined(__i386__)
bool has(const CpuFeature &f) {
  unsigned regs[4] = {}; // a, b, c, d; false past the CPU's last leaf
  if (!__get_cpuid_count(f.leaf, f.subleaf, &regs[0], &regs[1], &regs[2],
                         &regs[3]))
    return false;
  if (!((regs[f.reg - 'a'] >> f.bit) & 1))
    return false;
  if (f.state == CpuFeature::Legacy)
    return true;
  // The OS must save the vector registers: OSXSAVE, then XCR0's SSE and
  // AVX state, and for AVX-512 the opmask and upper ZMM state too.
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1))
    return false;
  uint32_t lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint32_t wanted = f.state == CpuFeature::Avx ? 0x6 : 0xe6;
  return (lo & wanted) == wanted;
}
#else
bool has(const CpuFeature &) { return false; }
#endif

} // namespace

std::vector<std::string>
xf::rt::missingCpuFeatures(const std::vector<std::string> &required) {
  std::vector<std::string> missing;
  for (const std::string &name : required) {
    const CpuFeature *known = nullptr;
    for (const CpuFeature &f : kCpuFeatures)
      if (name == f.name)
        known = &f;
    if (!known || !has(*known))
      missing.push_back(name);
  }
  return missing;
}
