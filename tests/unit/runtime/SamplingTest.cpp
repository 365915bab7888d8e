//===- SamplingTest.cpp - Temperature, top-k and top-p token choice -------===//
//
// sampleToken against the distribution it promises, on logits whose
// probabilities are known: frequencies over 40000 draws within 0.01 of
// softmax(logits / T) restricted by top-k and top-p; the same generator
// seed gives the same tokens; NaN logits and bad settings are refused.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Sampling.h"
#include <cmath>
#include <gtest/gtest.h>

using namespace xf::rt;

namespace {

/// Logits of the probabilities {0.5, 0.3, 0.15, 0.05} in a shuffled order
/// (token 2 is the likeliest), so sorting is exercised.
const std::vector<float> kLogits = {std::log(0.15f), std::log(0.3f),
                                    std::log(0.5f), std::log(0.05f)};

std::vector<double> frequencies(const xf_sampling &s, int draws = 40000) {
  TokenRng rng(s.seed);
  SampleScratch scratch;
  std::vector<double> f(kLogits.size(), 0);
  for (int i = 0; i < draws; ++i) {
    int64_t t = sampleToken(kLogits.data(), kLogits.size(), s, rng, scratch);
    EXPECT_GE(t, 0);
    f[t] += 1.0 / draws;
  }
  return f;
}

void expectNear(const std::vector<double> &got,
                const std::vector<double> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < got.size(); ++t)
    EXPECT_NEAR(got[t], want[t], 0.01) << "token " << t;
}

TEST(Sampling, FollowsTheSoftmax) {
  expectNear(frequencies({1.0f, 0, 1.0f, 7}), {0.15, 0.3, 0.5, 0.05});
}

TEST(Sampling, TemperatureSharpensAndFlattens) {
  // p^(1/T), renormalized.
  auto powered = [](double e) {
    std::vector<double> p = {0.15, 0.3, 0.5, 0.05}, q;
    double sum = 0;
    for (double x : p)
      sum += std::pow(x, e);
    for (double x : p)
      q.push_back(std::pow(x, e) / sum);
    return q;
  };
  expectNear(frequencies({0.5f, 0, 1.0f, 3}), powered(2.0));
  expectNear(frequencies({2.0f, 0, 1.0f, 3}), powered(0.5));
}

TEST(Sampling, TopKKeepsTheLikeliest) {
  expectNear(frequencies({1.0f, 2, 1.0f, 5}), {0, 0.375, 0.625, 0});
  expectNear(frequencies({3.0f, 1, 1.0f, 5}), {0, 0, 1, 0});
}

TEST(Sampling, TopPKeepsTheFewestThatReachIt) {
  // 0.5 alone reaches 0.5; 0.5 + 0.3 is the first to reach 0.6 and 0.75.
  expectNear(frequencies({1.0f, 0, 0.5f, 9}), {0, 0, 1, 0});
  expectNear(frequencies({1.0f, 0, 0.6f, 9}), {0, 0.375, 0.625, 0});
  expectNear(frequencies({1.0f, 0, 0.75f, 9}), {0, 0.375, 0.625, 0});
  expectNear(frequencies({1.0f, 0, 0.9f, 9}),
             {0.15 / 0.95, 0.3 / 0.95, 0.5 / 0.95, 0});
}

TEST(Sampling, TheSeedFixesTheTokens) {
  SampleScratch scratch;
  auto draw = [&](uint64_t seed) {
    TokenRng rng(seed);
    std::vector<int64_t> tokens;
    for (int i = 0; i < 64; ++i)
      tokens.push_back(sampleToken(kLogits.data(), kLogits.size(),
                                   {1.0f, 0, 1.0f, seed}, rng, scratch));
    return tokens;
  };
  EXPECT_EQ(draw(11), draw(11));
  EXPECT_NE(draw(11), draw(12));
  // The generator's sequence is part of the contract (splitmix64).
  EXPECT_EQ(TokenRng(0).next(), 0xe220a8397b1dcdafull);
}

TEST(Sampling, NaNLogitsAndBadSettingsAreRefused) {
  std::vector<float> bad = {0.f, NAN, 1.f};
  TokenRng rng(0);
  SampleScratch scratch;
  EXPECT_EQ(sampleToken(bad.data(), 3, {1.0f, 0, 1.0f, 0}, rng, scratch), -1);
  EXPECT_EQ(checkSampling({1.0f, 0, 1.0f, 0}), "");
  EXPECT_EQ(checkSampling({0.0f, 0, 1.0f, 0}),
            "sampling temperature must be a finite number above 0, found 0");
  EXPECT_EQ(checkSampling({INFINITY, 0, 1.0f, 0}),
            "sampling temperature must be a finite number above 0, found inf");
  EXPECT_EQ(checkSampling({1.0f, -1, 1.0f, 0}),
            "sampling top_k must be at least 0 (0: every token), found -1");
  EXPECT_EQ(checkSampling({1.0f, 0, 0.0f, 0}),
            "sampling top_p must be in (0, 1], found 0");
  EXPECT_EQ(checkSampling({1.0f, 0, NAN, 0}),
            "sampling top_p must be in (0, 1], found nan");
}

} // namespace
