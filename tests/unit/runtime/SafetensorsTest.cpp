//===- SafetensorsTest.cpp - Exact errors of the safetensors reader -------===//

#include "runtime/io/Safetensors.h"
#include "runtime/io/Npy.h"
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace xf::rt;

namespace {

/// Writes a safetensors file with the given header text and data bytes.
std::string writeFile(const std::string &name, const std::string &header,
                      const std::string &data, int64_t lengthOverride = -1) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream os(path, std::ios::binary);
  uint64_t len = lengthOverride >= 0 ? lengthOverride : header.size();
  for (int i = 0; i < 8; ++i)
    os.put(static_cast<char>((len >> (8 * i)) & 0xff));
  os << header << data;
  return path;
}

std::string floats(std::initializer_list<float> values) {
  std::string s;
  for (float v : values)
    s.append(reinterpret_cast<const char *>(&v), 4);
  return s;
}

TEST(Safetensors, ReadsF32) {
  std::string path = writeFile(
      "ok.safetensors",
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})",
      floats({1, 2, 3, 4}));
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file) << error;
  std::vector<float> out;
  ASSERT_TRUE(file->readF32("w", {2, 2}, out, error)) << error;
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4}));
}

TEST(Safetensors, ConvertsF16AndBF16) {
  // 1.5 in f16 is 0x3E00; -2.0 in bf16 is 0xC000.
  std::string data = std::string("\x00\x3e", 2) + std::string("\x00\xc0", 2);
  std::string path = writeFile(
      "half.safetensors",
      R"({"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[2,4]}})",
      data);
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file) << error;
  std::vector<float> out;
  ASSERT_TRUE(file->readF32("h", {1}, out, error)) << error;
  EXPECT_EQ(out[0], 1.5f);
  ASSERT_TRUE(file->readF32("b", {1}, out, error)) << error;
  EXPECT_EQ(out[0], -2.0f);
}

TEST(Safetensors, MissingTensorIsNamed) {
  std::string path = writeFile(
      "m.safetensors",
      R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", floats({1}));
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file);
  std::vector<float> out;
  EXPECT_FALSE(file->readF32("encoder.x.weight", {4, 2}, out, error));
  EXPECT_EQ(error,
            path + ": missing tensor 'encoder.x.weight' (expected F32 [4, 2])");
}

TEST(Safetensors, ShapeMismatchSaysExpectedAndFound) {
  std::string path =
      writeFile("s.safetensors",
                R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})",
                floats({1, 2, 3, 4}));
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file);
  std::vector<float> out;
  EXPECT_FALSE(file->readF32("w", {4}, out, error));
  EXPECT_EQ(error, path + ": tensor 'w' has shape [2, 2], expected [4]");
}

TEST(Safetensors, WrongDtype) {
  std::string path = writeFile(
      "d.safetensors",
      R"({"w":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", floats({1}));
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file);
  std::vector<float> out;
  EXPECT_FALSE(file->readF32("w", {1}, out, error));
  EXPECT_EQ(error, path + ": tensor 'w' has dtype I32, expected F32 (or "
                          "F16/BF16, converted on load)");
}

TEST(Safetensors, TruncatedFile) {
  std::string path = ::testing::TempDir() + "/t.safetensors";
  std::ofstream(path, std::ios::binary) << "abc";
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error, path + ": truncated file: 3 bytes, a safetensors file "
                          "starts with an 8-byte header length");
  path = writeFile("t2.safetensors", "{}", "", /*lengthOverride=*/1000);
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error,
            path + ": truncated file: header of 1000 bytes but only 2 follow");
}

TEST(Safetensors, MalformedHeader) {
  std::string path = writeFile("h.safetensors", R"({"w":{"dtype":)", "");
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error, path + ": malformed header: unexpected end at byte 14");
  path =
      writeFile("h2.safetensors", R"({"w":{"dtype":"F32","shape":[1]}})", "");
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error, path + ": malformed header: tensor 'w': missing "
                          "'data_offsets' [begin, end]");
}

TEST(Safetensors, OffsetsOutOfRange) {
  std::string path =
      writeFile("o.safetensors",
                R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
                floats({1, 2}));
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error, path + ": tensor 'w': data_offsets [0, 16] are out of "
                          "range of the 8-byte data section");
}

TEST(Safetensors, SizeDisagreesWithShape) {
  std::string path =
      writeFile("z.safetensors",
                R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                floats({1, 2}));
  std::string error;
  EXPECT_FALSE(SafetensorsFile::open(path, error));
  EXPECT_EQ(error,
            path + ": tensor 'w': 8 bytes of data for F32 [3] (expected 12)");
}

TEST(Npy, RoundTripsFloatsAndIds) {
  std::string path = ::testing::TempDir() + "/a.npy";
  NpyArray a;
  a.shape = {2, 3};
  a.f = {1, 2, 3, 4, 5, 6};
  std::string error;
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  NpyArray b;
  ASSERT_TRUE(readNpy(path, b, error)) << error;
  EXPECT_TRUE(b.isFloat);
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.f, a.f);
  a.isFloat = false;
  a.f.clear();
  a.i = {0, 1, 2, 3, 4, -5};
  ASSERT_TRUE(writeNpy(path, a, error)) << error;
  ASSERT_TRUE(readNpy(path, b, error)) << error;
  EXPECT_FALSE(b.isFloat);
  EXPECT_EQ(b.i, a.i);
}

TEST(Npy, RejectsGarbageAndTruncation) {
  std::string path = ::testing::TempDir() + "/bad.npy";
  std::ofstream(path, std::ios::binary) << "not numpy at all";
  NpyArray b;
  std::string error;
  EXPECT_FALSE(readNpy(path, b, error));
  EXPECT_EQ(error,
            path + ": not a valid .npy file: missing the \\x93NUMPY magic");

  NpyArray a;
  a.shape = {4};
  a.f = {1, 2, 3, 4};
  ASSERT_TRUE(writeNpy(path, a, error));
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  int64_t size = in.tellg();
  ASSERT_EQ(truncate(path.c_str(), size - 8), 0); // drop two floats
  EXPECT_FALSE(readNpy(path, b, error));
  EXPECT_EQ(error, path + ": not a valid .npy file: expected 16 data bytes for "
                          "<f4 of shape (4,), found 8");
}

} // namespace

TEST(Safetensors, TransposedReadPacksIntoTheAskedShape) {
  // Stored [in=2, out=3] (a Conv1D weight), read as [out=3, in=2].
  std::string path =
      writeFile("t.safetensors",
                R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                floats({1, 2, 3, 4, 5, 6}));
  std::string error;
  auto file = SafetensorsFile::open(path, error);
  ASSERT_TRUE(file);
  std::vector<float> out;
  ASSERT_TRUE(file->readF32("w", {3, 2}, out, error, /*transposed=*/true))
      << error;
  EXPECT_EQ(out, (std::vector<float>{1, 4, 2, 5, 3, 6}));
  // Its shape is checked as stored.
  EXPECT_FALSE(file->readF32("w", {2, 3}, out, error, /*transposed=*/true));
  EXPECT_EQ(error, path + ": tensor 'w' has shape [2, 3], expected [3, 2]");
}
