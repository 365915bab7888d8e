//===- CpuFeatures.cpp - Whether this CPU has a library's features --------===//

#include "runtime/src/CpuFeatures.h"
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

using namespace xf::rt;

namespace {

#if defined(__x86_64__) || defined(__i386__)
/// The vector register state the OS saves, as XCR0 bits (0 without
/// OSXSAVE): SSE and AVX are 0x6, AVX-512 adds the opmask and upper ZMM
/// state (0xe0).
uint32_t savedState() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !((c >> 27) & 1))
    return 0;
  uint32_t lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return lo;
}

bool has(const CpuFeature &f, uint32_t saved) {
  unsigned regs[4] = {}; // a, b, c, d; false past the CPU's last leaf
  if (!__get_cpuid_count(f.leaf, f.subleaf, &regs[0], &regs[1], &regs[2],
                         &regs[3]))
    return false;
  if (!((regs[f.reg - 'a'] >> f.bit) & 1))
    return false;
  if (f.state == CpuFeature::Legacy)
    return true;
  uint32_t wanted = f.state == CpuFeature::Avx ? 0x6 : 0xe6;
  return (saved & wanted) == wanted;
}
#else
uint32_t savedState() { return 0; }
bool has(const CpuFeature &, uint32_t) { return false; }
#endif

} // namespace

std::vector<std::string>
xf::rt::missingCpuFeatures(const std::vector<std::string> &required) {
  std::vector<std::string> missing;
  uint32_t saved = savedState();
  for (const std::string &name : required) {
    const CpuFeature *known = nullptr;
    for (const CpuFeature &f : kCpuFeatures)
      if (name == f.name)
        known = &f;
    if (!known || !has(*known, saved))
      missing.push_back(name);
  }
  return missing;
}
