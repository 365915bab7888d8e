//===- Weights.cpp - Parameters bound from a weights file -----------------===//

#include "runtime/src/Weights.h"
#include "runtime/io/Quantize.h"
#include "xf/abi.h"
#include <cstring>
#include <set>

using namespace xf::rt;

namespace {
int64_t count(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}
std::string key(const std::string &name, const std::string &dtype) {
  return name + '\0' + dtype;
}
} // namespace

uint8_t *WeightBinder::allocate(size_t bytes) {
  copiedBytes += bytes;
  if (arena)
    if (uint8_t *p = arena->take(bytes + XF_PARAM_TAIL_BYTES))
      return p;
  size_t total = bytes + XF_PARAM_TAIL_BYTES + 64;
  owned.emplace_back(new uint8_t[total]());
  uint8_t *p = owned.back().get();
  return p + (64 - reinterpret_cast<uintptr_t>(p) % 64) % 64;
}

const void *WeightBinder::bind(const ParamSpec &p, std::string &error,
                               bool &notFound) {
  notFound = false;
  auto it = bound.find(key(p.name, p.dtype));
  if (it != bound.end())
    return it->second;
  const void *data = p.dtype == XF_DTYPE_BF16 ? bindBf16(p, error, notFound)
                     : p.dtype == XF_DTYPE_I8 ? bindI8(p, error, notFound)
                                              : bindF32(p, error, notFound);
  if (data)
    bound[key(p.name, p.dtype)] = data;
  return data;
}

const void *WeightBinder::bindF32(const ParamSpec &p, std::string &error,
                                  bool &notFound) {
  const TensorEntry *t = file.find(p.name);
  notFound = !t;
  if (t && !p.transposed && t->dtype == "F32" && t->shape == p.shape &&
      reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
    readNames.push_back(p.name);
    uint8_t *resident = arena ? arena->take(t->bytes) : nullptr;
    if (!resident)
      return t->data; // read where the file is mapped
    if (!file.readBytes(*t, resident, error))
      return nullptr;
    residentBytes += t->bytes;
    return resident;
  }
  std::vector<float> copy;
  if (!file.readF32(p.name, p.shape, copy, error, p.transposed))
    return nullptr;
  readNames.push_back(p.name);
  uint8_t *out = allocate(copy.size() * sizeof(float));
  std::memcpy(out, copy.data(), copy.size() * sizeof(float));
  return out;
}

const void *WeightBinder::bindBf16(const ParamSpec &p, std::string &error,
                                   bool &notFound) {
  const TensorEntry *t = file.find(p.name);
  notFound = !t;
  int64_t n = count(p.shape);
  uint16_t *out = reinterpret_cast<uint16_t *>(allocate(n * 2));
  if (t && !p.transposed && t->dtype == "BF16" && t->shape == p.shape) {
    std::memcpy(out, t->data, n * 2); // as stored
  } else {
    std::vector<float> values;
    if (!file.readF32(p.name, p.shape, values, error, p.transposed))
      return nullptr;
    for (int64_t e = 0; e < n; ++e)
      out[e] = toBf16(values[e]);
  }
  readNames.push_back(p.name);
  return out;
}

const void *WeightBinder::bindI8(const ParamSpec &p, std::string &error,
                                 bool &notFound) {
  const TensorEntry *t = file.find(p.name);
  notFound = !t;
  if (!t) {
    error = "no tensor '" + p.name + "' in " + file.path();
    return nullptr;
  }
  if (p.shape.size() != 2) {
    error = "i8 parameter '" + p.name + "' is not 2-D";
    return nullptr;
  }
  int64_t rows = p.shape[0], k = p.shape[1];
  uint8_t *out = allocate(rows * k);
  // The scales, then each row's sum of q (xf.weight_scales' [2, rows]).
  float *scales =
      reinterpret_cast<float *>(allocate(2 * rows * sizeof(float)));
  std::string scaleName = p.name + XF_PARAM_SCALE_SUFFIX;
  if (t->dtype == "I8") {
    // Quantized ahead of time (xf-quantize): the values, always [out, in]
    // rows whatever the f32 tensor's layout, and their scales as stored.
    if (t->shape != p.shape) {
      error = "tensor '" + p.name + "' in " + file.path() + " has shape " +
              formatDims(t->shape) + ", expected " + formatDims(p.shape);
      return nullptr;
    }
    const TensorEntry *s = file.find(scaleName);
    if (!s || s->dtype != "F32" || s->shape != std::vector<int64_t>{rows}) {
      error = "the I8 tensor '" + p.name + "' in " + file.path() +
              " needs an F32 tensor '" + scaleName + "' of shape [" +
              std::to_string(rows) + "]";
      notFound = !s;
      return nullptr;
    }
    std::memcpy(scales, s->data, rows * sizeof(float));
    std::memcpy(out, t->data, rows * k);
    readNames.push_back(scaleName);
  } else {
    std::vector<float> values;
    if (!file.readF32(p.name, p.shape, values, error, p.transposed))
      return nullptr;
    quantizeRows(values.data(), rows, k, reinterpret_cast<int8_t *>(out),
                 scales);
  }
  readNames.push_back(p.name);
  for (int64_t row = 0; row < rows; ++row) {
    int64_t sum = 0;
    for (int64_t e = row * k; e < (row + 1) * k; ++e) {
      sum += static_cast<int8_t>(out[e]);
      out[e] = static_cast<uint8_t>(out[e] + XF_PARAM_I8_OFFSET);
    }
    scales[rows + row] = static_cast<float>(sum);
  }
  bound[key(scaleName, XF_DTYPE_F32)] = scales;
  return out;
}

std::string WeightBinder::unusedTensors() const {
  std::set<std::string> read(readNames.begin(), readNames.end());
  std::string unused;
  for (const TensorEntry &t : file.tensors())
    if (!read.count(t.name))
      unused += t.name + "\n";
  return unused;
}
