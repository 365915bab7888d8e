//===- Manifest.h - What a compiled library contains ------------*- C++ -*-===//
//
// The manifest xfc embeds in every lib<model>.so (symbol `xf_manifest`) and
// writes beside it as <model>.json: entry points, their inputs and output
// (dtype, shape with -1 for dynamic dims, dynamic dims named so equal names
// must agree), token-id limits, the parameters each entry takes, and the
// CPU the code was compiled for with the features it needs (CpuFeatures.h).
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_MANIFEST_H
#define XF_RUNTIME_SRC_MANIFEST_H

#include "xf/abi.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xf::rt {

struct ValueSpec {
  std::string name;
  bool isFloat = true;
  std::vector<int64_t> shape;    ///< -1 = dynamic
  std::vector<std::string> dims; ///< per dim: name of a dynamic dim, or ""
  int64_t vocab = 0;             ///< token ids: ids must be < vocab (0: none)
  int64_t maxLen = 0;            ///< token ids: length (dim 1) <= maxLen
  bool state = false;            ///< a generation cache the state owns
};

struct ParamSpec {
  std::string name;
  std::vector<int64_t> shape;
  std::string dtype = XF_DTYPE_F32; ///< f32, bf16 or i8 (xf/abi.h)
  bool transposed = false; ///< the file stores the [in, out] transpose
};

struct EntrySpec {
  std::string name, symbol;
  std::vector<ValueSpec> inputs;
  ValueSpec output;
  std::vector<ParamSpec> params;
};

/// How the library generates (XF_KEY_GENERATION); absent when it does not.
struct GenerationSpec {
  std::string input, memoryIds; ///< memoryIds empty: no memory
  int64_t start = -1, end = -1, pad = 0, vocab = 0, maxLen = 0;
};

struct Manifest {
  std::string model;
  std::optional<GenerationSpec> generation;
  std::string cpu;                      ///< the CPU xfc compiled for
  std::vector<std::string> cpuFeatures; ///< what it needs of this one
  std::vector<EntrySpec> entries;
};

/// Parses manifest JSON; on failure returns false with a message.
bool parseManifest(const std::string &text, Manifest &out, std::string &error);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_MANIFEST_H
