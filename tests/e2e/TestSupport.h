//===- TestSupport.h - What the end-to-end tests share ----------*- C++ -*-===//
//
// Compiling a description with the Driver (as xfc does), loading it through
// the runtime C API, host arrays, running entries, relative errors, and
// random weights for a module's parameters.
//
//===----------------------------------------------------------------------===//

#ifndef XF_TESTS_E2E_TESTSUPPORT_H
#define XF_TESTS_E2E_TESTSUPPORT_H

#include "compiler/Driver.h"
#include "dialect/IR/XfOps.h"
#include "dialect/Interpreter/Interpreter.h"
#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"
#include "xf/runtime.h"
#include "mlir/IR/BuiltinOps.h"
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace xf::test {

using namespace mlir::xf;

inline const std::string kSource = XF_SOURCE_DIR;
inline const std::string kData = kSource + "/tests/data/seed_small/";
inline constexpr double kTolerance = 1e-4;

inline std::vector<xf::parse::Override>
overrides(std::initializer_list<std::pair<const char *, const char *>> kv) {
  std::vector<xf::parse::Override> out;
  for (auto [k, v] : kv)
    out.push_back({k, v});
  return out;
}

inline const auto kSeedSmall = overrides({{"d_model", "32"},
                                   {"d_ff", "64"},
                                   {"heads", "4"},
                                   {"d_k", "8"},
                                   {"d_v", "8"},
                                   {"layers", "2"},
                                   {"max_len", "64"}});

/// Compiles `input` into a fresh directory for `target` (cpu, vulkan) at
/// `precision` (fp32, bf16, int8); returns the directory.
inline std::string compileModel(const std::string &input,
                         const std::vector<xf::parse::Override> &sets,
                         const std::string &name,
                         const std::string &target = "cpu",
                         const std::string &precision = "fp32") {
  CompileOptions options;
  options.input = input;
  options.sets = sets;
  options.output =
      ::testing::TempDir() + "/xf-" + name + "-" + target + "-" + precision;
  options.runtimeRoot = XF_BUILD_DIR;
  std::string error;
  // "cpu_avx2": the CPU target of a machine without AVX-512 (--cpu=haswell;
  // the code runs on this host too).
  // "halide": the CPU target with every fused op class on Halide kernels;
  // "halide_blocks": the same with Inputs/small_blocks.sched;
  // "cpu_profile": the CPU target with --profile's timers.
  bool avx2 = target == "cpu_avx2",
       halide = target == "halide" || target == "halide_blocks";
  options.profile = target == "cpu_profile";
  EXPECT_TRUE(applyTarget(avx2 || halide || options.profile ? "cpu" : target,
                          "", options, error))
      << error;
  if (avx2)
    options.target.cpu = "haswell";
  if (halide)
    EXPECT_TRUE(applyKernels("halide", options, error)) << error;
  if (target == "halide_blocks")
    options.halideSchedule =
        std::string(XF_SOURCE_DIR) + "/tests/e2e/Inputs/small_blocks.sched";
  EXPECT_TRUE(applyPrecision(precision, options, error)) << error;
  CompileResult result = compile(options);
  EXPECT_EQ(result.status, 0) << result.message;
  return options.output;
}

/// A loaded model, freed at scope exit. A GPU library whose device is
/// missing leaves `model` null with `missingDevice` set (the test skips).
struct Model {
  xf_model *model = nullptr;
  std::string missingDevice;
  Model(const std::string &library, const std::string &weights) {
    xf_status *s = xf_model_load(library.c_str(), weights.c_str(), &model);
    std::string message = s ? xf_status_message(s) : "";
    xf_status_code_t code = xf_status_code(s);
    xf_status_free(s);
    if (code == XF_STATUS_NO_DEVICE)
      missingDevice = message;
    else
      EXPECT_EQ(message, "");
  }
  ~Model() { xf_model_free(model); }
};

/// Where the machine has no device for a GPU library the test skips,
/// saying why, unless the environment requires one (CI sets
/// XF_REQUIRE_VULKAN=1, since its setup installs lavapipe): then it fails.
#define SKIP_WITHOUT_DEVICE(m)                                                 \
  if (!(m).missingDevice.empty()) {                                            \
    if (std::getenv("XF_REQUIRE_VULKAN"))                                      \
      FAIL() << "XF_REQUIRE_VULKAN is set but: " << (m).missingDevice;         \
    GTEST_SKIP() << (m).missingDevice;                                         \
  }

struct Array {
  std::vector<int64_t> shape;
  std::vector<float> f;
  std::vector<int64_t> i;
  bool isFloat = true;

  xf_tensor view() {
    xf_tensor t{};
    t.dtype = isFloat ? XF_F32 : XF_I64;
    t.rank = static_cast<int32_t>(shape.size());
    std::copy(shape.begin(), shape.end(), t.shape);
    t.data = isFloat ? static_cast<void *>(f.data()) : i.data();
    return t;
  }
};

inline Array loadNpy(const std::string &path) {
  xf::rt::NpyArray a;
  std::string error;
  EXPECT_TRUE(xf::rt::readNpy(path, a, error)) << error;
  return {a.shape, a.f, a.i, a.isFloat};
}

/// Runs `entry`; returns the output as an Array. A failure's message goes
/// to `error` and its code to `code` when given.
inline Array run(const Model &m, const char *entry, std::vector<Array *> inputs,
          std::string *error = nullptr, xf_status_code_t *code = nullptr) {
  std::vector<xf_tensor> views;
  for (Array *a : inputs)
    views.push_back(a->view());
  xf_tensor out{};
  xf_status *s = xf_model_run(m.model, entry, views.data(), views.size(), &out);
  if (code)
    *code = xf_status_code(s);
  if (s) {
    if (error)
      *error = xf_status_message(s);
    else
      ADD_FAILURE() << xf_status_message(s);
    xf_status_free(s);
    return {};
  }
  Array r;
  r.shape.assign(out.shape, out.shape + out.rank);
  int64_t n = 1;
  for (int64_t d : r.shape)
    n *= d;
  r.f.assign(static_cast<float *>(out.data),
             static_cast<float *>(out.data) + n);
  std::free(out.data);
  return r;
}

inline double relativeError(const std::vector<float> &got,
                     const std::vector<float> &ref) {
  EXPECT_EQ(got.size(), ref.size());
  if (got.size() != ref.size())
    return INFINITY;
  double maxDiff = 0, maxRef = 0;
  for (size_t k = 0; k < ref.size(); ++k) {
    if (std::isnan(got[k]))
      return INFINITY;
    maxDiff = std::max(maxDiff, double(std::abs(got[k] - ref[k])));
    maxRef = std::max(maxRef, double(std::abs(ref[k])));
  }
  return maxDiff / (maxRef + 1e-6);
}

/// Writes F32 weights for every parameter the model's IR uses, each value
/// `value(name)` (called once per element, in order).
template <typename ValueFn>
std::string writeWeights(mlir::ModuleOp module, const std::string &path,
                         ValueFn value) {
  std::map<std::string, std::vector<int64_t>> params;
  module.walk([&](ParamOp p) {
    auto shape = p.getType().getShape();
    std::vector<int64_t> stored(shape.begin(), shape.end());
    if (p.getTransposed())
      std::swap(stored[0], stored[1]);
    params[p.getName().str()] = stored;
  });
  std::vector<xf::rt::TensorBytes> tensors;
  for (auto &[name, shape] : params) {
    std::string bytes;
    for (int64_t k = 0, n = HostTensor::count(shape); k < n; ++k) {
      float v = value(name, shape);
      bytes.append(reinterpret_cast<const char *>(&v), 4);
    }
    tensors.push_back({name, "F32", shape, std::move(bytes)});
  }
  std::string error;
  EXPECT_TRUE(xf::rt::writeSafetensors(path, tensors, error)) << error;
  return path;
}

/// Writes random F32 weights for every parameter the model's IR uses:
/// norm weights near 1, everything else N(0, 0.3).
inline std::string writeRandomWeights(mlir::ModuleOp module,
                                      const std::string &path, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0, 0.3f);
  return writeWeights(module, path,
                      [&](const std::string &name, const std::vector<int64_t> &) {
                        bool norm = name.find("norm") != std::string::npos ||
                                    name.find("ln") != std::string::npos;
                        return norm ? 1.0f + dist(rng) * 0.1f : dist(rng);
                      });
}

/// The interpreter's parameters, read from a safetensors file.
inline ParamProvider weightsOf(const xf::rt::SafetensorsFile &file) {
  return [&file](const std::string &name, const std::vector<int64_t> &shape,
                 std::string &why) -> std::optional<HostTensor> {
    HostTensor t;
    t.shape = shape;
    if (!file.readF32(name, shape, t.f, why))
      return std::nullopt;
    return t;
  };
}

} // namespace xf::test

#endif // XF_TESTS_E2E_TESTSUPPORT_H
