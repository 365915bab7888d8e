//===- Sema.h - Checks a parsed description and builds its AST --*- C++ -*-===//
//
// Gives keys their meaning: checks every key of every section against what
// it may be (known key, right kind of value, required keys present), applies
// `--set` overrides to hyperparameters, resolves hyperparameter references
// and stack defaults into each block, and checks the model as a whole
// (divisibility of heads, entry points computable from their inputs).
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_PARSE_SEMA_H
#define XF_FRONTEND_PARSE_SEMA_H

#include "frontend/AST/ModelAST.h"
#include "frontend/Parse/Parser.h"

namespace xf::parse {

/// One `--set KEY=VALUE` override, as given on the command line.
struct Override {
  std::string key, value;
};

/// Builds the checked model; on the first error returns nothing and sets
/// `error`.
std::optional<ast::Model> buildModel(const SyntaxFile &file,
                                     const std::vector<Override> &overrides,
                                     ast::Error &error);

/// Reads, parses and checks the description at `path`.
std::optional<ast::Model> loadModel(const std::string &path,
                                    const std::vector<Override> &overrides,
                                    ast::Error &error);

/// Splits `KEY=VALUE`; returns false if there is no '='.
bool parseOverride(const std::string &text, Override &out);

} // namespace xf::parse

#endif // XF_FRONTEND_PARSE_SEMA_H
