//===- SafetensorsFuzzer.cpp - The safetensors reader and weight binding --===//
//
// Any bytes as a weights file: opened (header, offsets, sizes checked),
// then every tensor read as f32 with its own shape and with a wrong one,
// as binding parameters does.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Safetensors.h"
#include "tests/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  xf::fuzz::MemFile file(data, size);
  std::string error;
  auto weights = xf::rt::SafetensorsFile::open(file.path, error);
  if (!weights)
    return 0;
  for (const xf::rt::TensorEntry &t : weights->tensors()) {
    std::vector<float> out;
    // Skip reads whose conversion would allocate more than the file holds.
    size_t n = 1;
    for (int64_t d : t.shape)
      n *= d > 0 ? static_cast<size_t>(d) : 1;
    if (n > (1u << 20))
      continue;
    (void)weights->readF32(t.name, t.shape, out, error);
    std::vector<int64_t> wrong = t.shape;
    wrong.push_back(2);
    (void)weights->readF32(t.name, wrong, out, error);
  }
  (void)weights->find("decoder.projection.weight");
  return 0;
}
