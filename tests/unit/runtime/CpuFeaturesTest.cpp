//===- CpuFeaturesTest.cpp - A library's CPU requirements -----------------===//

#include "runtime/src/CpuFeatures.h"
#include "runtime/src/Manifest.h"
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

using namespace xf::rt;

namespace {

/// Whether /proc/cpuinfo's flags line lists `flag`.
bool cpuinfoHas(const std::string &flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0)
      return (line + " ").find(" " + flag + " ") != std::string::npos;
  return false;
}

// CPUID agrees with the kernel's view of this machine, for each feature
// under the name /proc/cpuinfo uses.
TEST(CpuFeatures, AgreeWithProcCpuinfo) {
  const std::pair<const char *, const char *> names[] = {
      {"sse4.2", "sse4_2"},
      {"avx", "avx"},
      {"avx2", "avx2"},
      {"fma", "fma"},
      {"bmi2", "bmi2"},
      {"avx512f", "avx512f"},
      {"avx512bw", "avx512bw"},
      {"avx512vl", "avx512vl"},
      {"avx512fp16", "avx512_fp16"},
      {"avx512bf16", "avx512_bf16"},
      {"avx512vp2intersect", "avx512_vp2intersect"}};
  for (auto [llvmName, flag] : names)
    EXPECT_EQ(missingCpuFeatures({llvmName}).empty(), cpuinfoHas(flag))
        << llvmName;
}

TEST(CpuFeatures, UnknownNamesAreMissingInOrder) {
  std::vector<std::string> missing =
      missingCpuFeatures({"no-such-feature", "sse4.2", "another"});
  EXPECT_EQ(missing, (std::vector<std::string>{"no-such-feature", "another"}));
  EXPECT_TRUE(missingCpuFeatures({}).empty());
}

TEST(CpuFeatures, ManifestCarriesTheCpuAndItsFeatures) {
  Manifest m;
  std::string error;
  ASSERT_TRUE(parseManifest(R"({"model": "m", "cpu": "haswell",
      "cpu_features": ["avx2", "fma"], "entries": []})",
                            m, error))
      << error;
  EXPECT_EQ(m.cpu, "haswell");
  EXPECT_EQ(m.cpuFeatures, (std::vector<std::string>{"avx2", "fma"}));
  // Manifests of older libraries have neither: nothing is required.
  Manifest old;
  ASSERT_TRUE(parseManifest(R"({"model": "m", "entries": []})", old, error));
  EXPECT_TRUE(old.cpuFeatures.empty());
  Manifest bad;
  EXPECT_FALSE(parseManifest(
      R"({"model": "m", "cpu_features": "avx2", "entries": []})", bad, error));
  EXPECT_EQ(error, "manifest: cpu_features must be a list");
}

} // namespace
