//===- Json.h - A small JSON reader for headers and manifests ---*- C++ -*-===//
//
// Parses the JSON that safetensors headers and xfc manifests use: objects,
// arrays, strings, integers (negative ones included), true/false/null and
// other numbers kept as their text. No MLIR/LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_IO_JSON_H
#define XF_RUNTIME_IO_JSON_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace xf::rt {

struct Json {
  enum Kind { Object, Array, String, Number, Other } kind = Other;
  std::map<std::string, Json> object;
  std::vector<Json> array;
  std::string string; ///< string contents, or the text of an Other token
  uint64_t number = 0;
  bool negative = false;

  int64_t asInt() const {
    return negative ? -static_cast<int64_t>(number)
                    : static_cast<int64_t>(number);
  }
  const Json *get(const std::string &key) const {
    auto it = object.find(key);
    return it == object.end() ? nullptr : &it->second;
  }
};

/// Parses [begin, end) as one JSON value (trailing blanks allowed). On
/// failure returns false with "malformed header: <why> at byte N".
bool parseJson(const char *begin, const char *end, Json &out,
               std::string &error);

} // namespace xf::rt

#endif // XF_RUNTIME_IO_JSON_H
