//===- DescriptionFuzzer.cpp - The .xf lexer, parser and Sema -------------===//
//
// Any bytes: a checked model or one located error, never a crash.
//
//===----------------------------------------------------------------------===//

#include "frontend/Parse/Parser.h"
#include "frontend/Parse/Sema.h"
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  xf::ast::Error error;
  auto syntax = xf::parse::parseSyntax(text, "fuzz.xf", error);
  if (!syntax) {
    if (error.format().empty())
      std::abort(); // every failure says where and why
    return 0;
  }
  auto model = xf::parse::buildModel(*syntax, {}, error);
  if (!model && error.format().empty())
    std::abort();
  return 0;
}
