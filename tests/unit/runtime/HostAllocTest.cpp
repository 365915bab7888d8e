//===- HostAllocTest.cpp - The CPU allocator's blocks and cache -----------===//

#include "runtime/src/HostAlloc.h"
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>

using namespace xf::rt;

namespace {

bool aligned16(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

TEST(HostAlloc, BlocksAreAlignedAndWritable) {
  for (size_t bytes :
       {size_t(0), size_t(1), size_t(63), size_t(4096), size_t(3) << 20}) {
    void *p = hostAlloc(bytes);
    ASSERT_NE(p, nullptr) << bytes;
    EXPECT_TRUE(aligned16(p)) << bytes;
    std::memset(p, 0x5a, bytes);
    hostFree(p);
  }
  hostFree(nullptr);
}

TEST(HostAlloc, LargeBlocksAreKeptAndHandedOutAgain) {
  void *a = hostAlloc(size_t(5) << 20);
  ASSERT_NE(a, nullptr);
  hostFree(a);
  // The same size (and a slightly smaller one) reuse the kept block.
  void *b = hostAlloc((size_t(5) << 20) - 1000);
  EXPECT_EQ(b, a);
  // A block needing more than the kept one gets a new one.
  void *c = hostAlloc(size_t(6) << 20);
  EXPECT_NE(c, a);
  hostFree(b);
  hostFree(c);
}

TEST(HostAlloc, AnyBlockMayBeReleasedWithFree) {
  // The runtime hands a result block to its caller, who frees it with free:
  // a fresh block, and one that went through the cache.
  void *fresh = hostAlloc(size_t(2) << 20);
  ASSERT_NE(fresh, nullptr);
  std::free(fresh);
  void *kept = hostAlloc(size_t(7) << 20);
  hostFree(kept);
  void *again = hostAlloc(size_t(7) << 20);
  EXPECT_EQ(again, kept);
  std::free(again);
  void *small = hostAlloc(100);
  std::free(small);
}

} // namespace
