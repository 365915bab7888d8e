//===- RunInputsFuzzer.cpp - xf_model_run's checks of caller tensors ------===//
//
// Loads the small seed model (XF_FUZZ_LIBRARY, XF_FUZZ_WEIGHTS) once; each
// input's bytes choose an entry, the number of inputs, their dtypes, ranks,
// shapes and token ids. A run either fails with a status or computes: never
// a crash, never a read outside the caller's buffers.
//
//===----------------------------------------------------------------------===//

#include "xf/runtime.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
xf_model *model = nullptr;

/// Reads the fuzzed bytes in order; zeros when they run out.
struct Bytes {
  const uint8_t *data;
  size_t size, at = 0;
  uint8_t next() { return at < size ? data[at++] : 0; }
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *lib = std::getenv("XF_FUZZ_LIBRARY");
  const char *weights = std::getenv("XF_FUZZ_WEIGHTS");
  if (!lib || !weights) {
    std::fprintf(stderr, "set XF_FUZZ_LIBRARY and XF_FUZZ_WEIGHTS\n");
    std::exit(1);
  }
  if (xf_status *s = xf_model_load(lib, weights, &model)) {
    std::fprintf(stderr, "%s\n", xf_status_message(s));
    std::exit(1);
  }
  xf_model_set_threads(model, 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Bytes in{data, size};
  static const char *entries[] = {"forward", "encode", "decode", "bogus"};
  const char *entry = entries[in.next() % 4];
  size_t count = in.next() % 5;
  std::vector<xf_tensor> tensors(count);
  std::vector<std::vector<int64_t>> buffers(count);
  for (size_t i = 0; i < count; ++i) {
    xf_tensor &t = tensors[i];
    t.dtype = in.next() % 2 ? XF_F32 : XF_I64;
    // Ranks 0-4, and sometimes any byte (negative, past XF_MAX_RANK).
    uint8_t rank = in.next();
    t.rank = rank % 6 == 5 ? static_cast<int8_t>(rank) : rank % 6;
    size_t elements = 1;
    for (int k = 0; k < XF_MAX_RANK; ++k) {
      int8_t dim = static_cast<int8_t>(in.next());
      t.shape[k] = dim % 9; // small, zero or negative
      if (k < t.rank)
        elements *= t.shape[k] > 0 ? static_cast<size_t>(t.shape[k]) : 0;
    }
    // The buffer holds exactly what the shape says (8-byte elements), so
    // a read past it is ASan's to find.
    buffers[i].resize(elements);
    for (int64_t &v : buffers[i])
      v = static_cast<int8_t>(in.next()) % 12;
    if (t.dtype == XF_F32)
      for (int64_t &v : buffers[i]) {
        float f = static_cast<float>(v) / 4;
        std::memcpy(&v, &f, sizeof f);
      }
    t.data = in.next() % 16 ? buffers[i].data() : nullptr;
  }
  xf_tensor out{};
  xf_status *s = xf_model_run(model, entry, tensors.data(), count, &out);
  if (s) {
    if (xf_status_code(s) == XF_STATUS_INTERNAL)
      std::abort();
    xf_status_free(s);
  } else {
    std::free(out.data);
  }
  return 0;
}
