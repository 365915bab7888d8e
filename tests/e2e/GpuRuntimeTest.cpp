//===- GpuRuntimeTest.cpp - GPU backends' error paths ---------------------===//
//
// A library compiled for CUDA or Vulkan must load (or fail) with a status,
// never a crash: no driver library, the CUDA toolkit's stub driver (whose
// cuInit fails), no Vulkan device, a device index out of range.
//
//===----------------------------------------------------------------------===//

#include "compiler/Driver.h"
#include "xf/runtime.h"
#include <cstdlib>
#include <gtest/gtest.h>
#include <llvm/Support/FileSystem.h>
#include <optional>
#include <string>

using namespace mlir::xf;

namespace {

const std::string kSource = XF_SOURCE_DIR;
const std::string kWeights =
    kSource + "/tests/data/seed_small/weights.safetensors";
const char *kStub = "/usr/local/cuda/lib64/stubs/libcuda.so";

/// Compiles the small seed model for `target`; returns the library path.
std::string compileFor(const std::string &target) {
  CompileOptions options;
  options.input = kSource + "/examples/seed_transformer.xf";
  for (auto [k, v] : {std::pair<const char *, const char *>{"d_model", "32"},
                      {"d_ff", "64"},
                      {"heads", "4"},
                      {"d_k", "8"},
                      {"d_v", "8"},
                      {"layers", "1"}})
    options.sets.push_back({k, v});
  options.output = ::testing::TempDir() + "/xf-gpu-runtime-" + target;
  options.runtimeRoot = XF_BUILD_DIR;
  std::string error;
  EXPECT_TRUE(applyTarget(target, "", options, error)) << error;
  CompileResult result = compile(options);
  EXPECT_EQ(result.status, 0) << result.message;
  return options.output + "/libseed_transformer.so";
}

/// Loads `library` on `device`; returns the status message ("" on success)
/// and, in `code`, its code.
std::string loadMessage(const std::string &library, int device = 0,
                        xf_status_code_t *code = nullptr) {
  xf_model *model = nullptr;
  xf_status *s = xf_model_load_on_device(library.c_str(), kWeights.c_str(),
                                         device, &model);
  std::string message = s ? xf_status_message(s) : "";
  if (code)
    *code = xf_status_code(s);
  xf_status_free(s);
  xf_model_free(model);
  return message;
}

/// Sets an environment variable for the scope, then restores it.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> before;
  ScopedEnv(const char *name, const char *value) : name(name) {
    if (const char *old = std::getenv(name))
      before = old;
    setenv(name, value, 1);
  }
  ~ScopedEnv() {
    if (before)
      setenv(name.c_str(), before->c_str(), 1);
    else
      unsetenv(name.c_str());
  }
};

TEST(GpuRuntime, CudaWithoutDriverLibrary) {
  std::string lib = compileFor("cuda");
  ScopedEnv env("XF_CUDA_LIBRARY", "/nonexistent/libcuda.so.1");
  xf_status_code_t code;
  EXPECT_EQ(loadMessage(lib, 0, &code),
            "no CUDA driver (cannot load /nonexistent/libcuda.so.1)");
  EXPECT_EQ(code, XF_STATUS_NO_DEVICE);
}

TEST(GpuRuntime, CudaStubDriverFailsInit) {
  if (!llvm::sys::fs::exists(kStub)) {
    if (std::getenv("XF_REQUIRE_PTXAS"))
      FAIL() << "XF_REQUIRE_PTXAS is set but the CUDA toolkit has no stub at "
             << kStub;
    GTEST_SKIP() << "no CUDA toolkit stub at " << kStub;
  }
  std::string lib = compileFor("cuda");
  ScopedEnv env("XF_CUDA_LIBRARY", kStub);
  xf_status_code_t code;
  std::string message = loadMessage(lib, 0, &code);
  EXPECT_EQ(code, XF_STATUS_NO_DEVICE) << message;
  EXPECT_EQ(message.rfind("cuInit failed: CUDA error", 0), 0u) << message;
}

TEST(GpuRuntime, VulkanWithoutDevice) {
  std::string lib = compileFor("vulkan");
  // The loader finds no driver manifest, hence no device.
  ScopedEnv icd("VK_ICD_FILENAMES", "/nonexistent/icd.json");
  ScopedEnv driver("VK_DRIVER_FILES", "/nonexistent/icd.json");
  xf_status_code_t code;
  std::string message = loadMessage(lib, 0, &code);
  EXPECT_EQ(code, XF_STATUS_NO_DEVICE) << message;
  EXPECT_EQ(message.rfind("no Vulkan", 0), 0u) << message;
}

TEST(GpuRuntime, VulkanDeviceOutOfRange) {
  std::string lib = compileFor("vulkan");
  xf_status_code_t code;
  std::string message = loadMessage(lib, 99, &code);
  if (message.rfind("no Vulkan", 0) == 0) {
    if (std::getenv("XF_REQUIRE_VULKAN"))
      FAIL() << "XF_REQUIRE_VULKAN is set but: " << message;
    GTEST_SKIP() << message;
  }
  EXPECT_EQ(code, XF_STATUS_NO_DEVICE) << message;
  EXPECT_NE(message.find("Vulkan device 99 requested"), std::string::npos)
      << message;
}

TEST(GpuRuntime, VulkanValidationWithoutTheLayer) {
  std::string lib = compileFor("vulkan");
  ScopedEnv validate("XF_VULKAN_VALIDATION", "1");
  // The loader then looks for explicit layers there alone.
  ScopedEnv layers("VK_LAYER_PATH", "/nonexistent");
  xf_status_code_t code;
  EXPECT_EQ(loadMessage(lib, 0, &code),
            "XF_VULKAN_VALIDATION is set, but the Khronos validation layer is "
            "not installed (Debian: vulkan-validationlayers)");
  EXPECT_EQ(code, XF_STATUS_NO_DEVICE);
}

TEST(GpuRuntime, CpuLibraryReportsItsTarget) {
  std::string lib = compileFor("cpu");
  xf_model *model = nullptr;
  xf_status *s = xf_model_load(lib.c_str(), kWeights.c_str(), &model);
  ASSERT_EQ(s, nullptr) << xf_status_message(s);
  EXPECT_STREQ(xf_model_target(model), "cpu");
  xf_model_free(model);
}

} // namespace
