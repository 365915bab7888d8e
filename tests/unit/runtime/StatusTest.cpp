//===- StatusTest.cpp - Status codes of the C API on misuse ---------------===//
//
// The codes callers branch on, for the failures that need no compiled
// library: NULL arguments, a library that cannot be opened, a shared
// library that is not xfc's. (Compiled libraries' failures are checked in
// tests/e2e, a library of another ABI version in lit tools/abi-version.)
//
//===----------------------------------------------------------------------===//

#include "xf/runtime.h"
#include <gtest/gtest.h>
#include <string>

namespace {

/// The code and message of `s`, which it frees.
std::pair<xf_status_code_t, std::string> take(xf_status *s) {
  std::pair<xf_status_code_t, std::string> r{xf_status_code(s),
                                             xf_status_message(s)};
  xf_status_free(s);
  return r;
}

TEST(Status, NullIsOk) {
  EXPECT_EQ(xf_status_code(nullptr), XF_STATUS_OK);
  EXPECT_STREQ(xf_status_message(nullptr), "ok");
  EXPECT_STREQ(xf_status_code_name(XF_STATUS_ABI_MISMATCH), "ABI mismatch");
}

TEST(Status, NullArguments) {
  xf_model *model = nullptr;
  auto [code, message] = take(xf_model_load(nullptr, "w", &model));
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(message, "xf_model_load: null argument");
  std::tie(code, message) = take(xf_model_set_threads(nullptr, 2));
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  xf_tensor out;
  std::tie(code, message) =
      take(xf_model_run(nullptr, "forward", nullptr, 0, &out));
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(message, "xf_model_run: null argument");
}

TEST(Status, MissingLibrary) {
  xf_model *model = nullptr;
  auto [code, message] =
      take(xf_model_load("/nonexistent/libm.so", "/nonexistent/w", &model));
  EXPECT_EQ(code, XF_STATUS_NOT_FOUND);
  EXPECT_EQ(message.rfind("cannot load library: ", 0), 0u) << message;
  EXPECT_EQ(model, nullptr);
}

TEST(Status, NotAnXfcLibrary) {
  xf_model *model = nullptr;
  auto [code, message] = take(xf_model_load("libm.so.6", "w", &model));
  EXPECT_EQ(code, XF_STATUS_INVALID_FORMAT);
  EXPECT_EQ(message, "libm.so.6: not an xfc library (no xf_manifest symbol)");
}

} // namespace
