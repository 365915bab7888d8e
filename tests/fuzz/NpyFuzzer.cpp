//===- NpyFuzzer.cpp - The .npy reader ------------------------------------===//

#include "runtime/io/Npy.h"
#include "tests/fuzz/FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  xf::fuzz::MemFile file(data, size);
  xf::rt::NpyArray array;
  std::string error;
  (void)xf::rt::readNpy(file.path, array, error);
  return 0;
}
