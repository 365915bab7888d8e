//===- ProfileTest.cpp - xfc --profile through the C API ------------------===//
//
// A library compiled with --profile counts every kernel of every run, by op
// class, names each with its xf ops and description line, computes what the
// library without timers computes, and resets; one without --profile says
// so.
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "xf/runtime.h"
#include <gtest/gtest.h>
#include <set>

using namespace mlir::xf;
using namespace xf::test;

namespace {

const auto kTinyGpt2 = overrides({{"d_model", "48"},
                                  {"d_ff", "64"},
                                  {"heads", "3"},
                                  {"layers", "2"},
                                  {"vocab", "50"},
                                  {"max_len", "40"},
                                  {"end_token", "2"}});

std::vector<xf_profile_region> profileOf(const Model &m) {
  size_t count = 0;
  xf_status *s = xf_model_profile(m.model, nullptr, 0, &count);
  EXPECT_EQ(s, nullptr) << xf_status_message(s);
  std::vector<xf_profile_region> regions(count);
  s = xf_model_profile(m.model, regions.data(), count, &count);
  EXPECT_EQ(s, nullptr) << xf_status_message(s);
  return regions;
}

TEST(Profile, CountsEveryKernelOfEveryRunByClass) {
  std::string input = kSource + "/examples/gpt2_small.xf";
  xf::ast::Error astError;
  auto ast = xf::parse::loadModel(input, kTinyGpt2, astError);
  ASSERT_TRUE(ast) << astError.format();
  mlir::MLIRContext context;
  auto module = xf::mlirGen(context, *ast);
  ASSERT_TRUE(module);
  std::string weights = writeRandomWeights(
      *module, ::testing::TempDir() + "/gpt2_profile.safetensors", 17);
  Model timed(compileModel(input, kTinyGpt2, "gpt2", "cpu_profile") +
                  "/lib" + ast->name + ".so",
              weights);
  Model plain(compileModel(input, kTinyGpt2, "gpt2", "cpu") + "/lib" +
                  ast->name + ".so",
              weights);
  ASSERT_TRUE(timed.model && plain.model);

  Array ids;
  ids.isFloat = false;
  ids.shape = {2, 7};
  for (int64_t k = 0; k < 14; ++k)
    ids.i.push_back(k % 7 < 6 ? 1 + k % 45 : 0);
  std::vector<xf_profile_region> before = profileOf(timed);
  ASSERT_FALSE(before.empty());
  for (const xf_profile_region &r : before)
    EXPECT_EQ(r.calls, 0u) << r.location;

  Array once = run(timed, "forward", {&ids});
  std::vector<xf_profile_region> first = profileOf(timed);
  run(timed, "forward", {&ids});
  run(timed, "forward", {&ids});
  std::vector<xf_profile_region> third = profileOf(timed);
  // The timers change nothing computed.
  EXPECT_EQ(once.f, run(plain, "forward", {&ids}).f);

  std::set<std::string> classes;
  uint64_t ran = 0;
  ASSERT_EQ(first.size(), third.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(third[i].calls, 3 * first[i].calls) << third[i].location;
    EXPECT_EQ(third[i].flops, 3 * first[i].flops) << third[i].location;
    // Flops are counted for the linear layers' kernels, nowhere else.
    if (first[i].flops)
      EXPECT_STREQ(first[i].op_class, "linear");
    EXPECT_GE(third[i].nanoseconds, first[i].nanoseconds);
    if (first[i].calls) {
      classes.insert(first[i].op_class);
      ++ran;
      EXPECT_NE(std::string(first[i].ops), "");
    }
    // A location is a line of the description, or "?" for code the
    // lowering added.
    std::string location = first[i].location;
    EXPECT_TRUE(location == "?" ||
                location.find("gpt2_small.xf:") != std::string::npos)
        << location;
  }
  EXPECT_GT(ran, 10u);
  // 2·M·N·K summed over the linear kernels: at least the LM head's,
  // [2·7 rows, 48] · [48, 50 vocab] (tied embedding), once a run.
  uint64_t flops = 0;
  for (const xf_profile_region &r : first)
    flops += r.flops;
  EXPECT_GE(flops, 2u * 14 * 48 * 50);
  for (const char *c : {"linear", "attention", "norm", "embedding"})
    EXPECT_TRUE(classes.count(c)) << c;

  ASSERT_EQ(xf_model_profile_reset(timed.model), nullptr);
  for (const xf_profile_region &r : profileOf(timed))
    EXPECT_TRUE(r.calls == 0 && r.nanoseconds == 0) << r.location;

  // A trace of two runs: one event per call the counters saw, each within
  // its region's range and in time order within a thread.
  ASSERT_EQ(xf_model_profile_trace(timed.model, 1), nullptr);
  run(timed, "forward", {&ids});
  run(timed, "forward", {&ids});
  ASSERT_EQ(xf_model_profile_trace(timed.model, 0), nullptr);
  run(timed, "forward", {&ids}); // not recorded
  size_t eventCount = 0;
  ASSERT_EQ(xf_model_profile_events(timed.model, nullptr, 0, &eventCount),
            nullptr);
  std::vector<xf_profile_event> events(eventCount);
  ASSERT_EQ(xf_model_profile_events(timed.model, events.data(), eventCount,
                                    &eventCount),
            nullptr);
  uint64_t twoRuns = 0;
  for (const xf_profile_region &r : first)
    twoRuns += 2 * r.calls;
  EXPECT_EQ(eventCount, twoRuns);
  int64_t last = 0;
  for (const xf_profile_event &e : events) {
    EXPECT_TRUE(e.region >= 0 && size_t(e.region) < first.size());
    EXPECT_EQ(e.thread, 0); // one calling thread
    EXPECT_LE(e.start_ns, e.end_ns);
    EXPECT_GE(e.end_ns, last);
    last = e.end_ns;
  }

  // Without --profile: an error that says so; misuse is an error too.
  size_t count = 0;
  xf_status *s = xf_model_profile(plain.model, nullptr, 0, &count);
  EXPECT_EQ(xf_status_code(s), XF_STATUS_INVALID_ARGUMENT);
  EXPECT_STREQ(xf_status_message(s),
               "xf_model_profile: the library was not compiled with --profile");
  xf_status_free(s);
  s = xf_model_profile(timed.model, nullptr, 3, &count);
  EXPECT_STREQ(xf_status_message(s), "xf_model_profile: null count or regions");
  xf_status_free(s);
  s = xf_model_profile_reset(nullptr);
  EXPECT_STREQ(xf_status_message(s), "xf_model_profile_reset: null model");
  xf_status_free(s);
}

} // namespace
