//===- ManifestFuzzer.cpp - The runtime's manifest (and JSON) reader ------===//

#include "runtime/src/Manifest.h"
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  xf::rt::Manifest manifest;
  std::string error;
  (void)xf::rt::parseManifest(text, manifest, error);
  return 0;
}
