//===- HostTensor.h - Dense tensors in host memory --------------*- C++ -*-===//
//
// The values the interpreter computes with: a shape and row-major data, f32
// for activations, i64 for token ids, i1 (stored as i64 0/1) for masks.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_INTERPRETER_HOSTTENSOR_H
#define XF_DIALECT_INTERPRETER_HOSTTENSOR_H

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::xf {

enum class ElementKind { F32, I64, I1 };

struct HostTensor {
  ElementKind kind = ElementKind::F32;
  std::vector<int64_t> shape;
  std::vector<float> f;   ///< data when kind == F32
  std::vector<int64_t> i; ///< data when kind == I64 or I1

  static int64_t count(const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
  int64_t numElements() const { return count(shape); }
  bool isFloat() const { return kind == ElementKind::F32; }

  static HostTensor zeros(ElementKind kind, std::vector<int64_t> shape) {
    HostTensor t;
    t.kind = kind;
    t.shape = std::move(shape);
    if (kind == ElementKind::F32)
      t.f.assign(count(t.shape), 0.0f);
    else
      t.i.assign(count(t.shape), 0);
    return t;
  }
};

/// Prints `2x3x4` (or `scalar`).
inline std::string shapeString(const std::vector<int64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (size_t k = 0; k < shape.size(); ++k)
    s += (k ? "x" : "") + std::to_string(shape[k]);
  return s;
}

} // namespace mlir::xf

#endif // XF_DIALECT_INTERPRETER_HOSTTENSOR_H
