//===- Parser.h - The syntax of .xf descriptions ----------------*- C++ -*-===//
//
// Parses tokens into a syntax tree that keeps every key, value and location
// but knows nothing of what keys mean; Sema checks the meaning.
//
//   file     := statement*
//   statement:= 'model' NAME
//             | 'hyper' NAME '=' NUMBER
//             | 'vocab' NAME '=' STRING
//             | 'stack' NAME '{' body '}'
//             | 'entry' NAME '(' [NAME (',' NAME)*] ')' '->' NAME
//   body     := (NAME '=' value | NAME '{' body '}')*
//   value    := NUMBER | STRING | NAME | '[' [value (',' value)*] ']'
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_PARSE_PARSER_H
#define XF_FRONTEND_PARSE_PARSER_H

#include "frontend/Parse/Lexer.h"
#include <optional>
#include <vector>

namespace xf::parse {

struct SyntaxValue {
  enum class Kind { Int, Float, String, Name, List } kind = Kind::Int;
  std::string text; ///< spelling (string contents for strings)
  std::vector<SyntaxValue> items;
  ast::SourceLoc loc;
};

struct SyntaxEntry {
  std::string key;
  ast::SourceLoc loc;
  SyntaxValue value;
};

/// `KIND [NAME] { entries and nested sections }`.
struct SyntaxSection {
  std::string kind, name;
  ast::SourceLoc loc;
  std::vector<SyntaxEntry> entries;
  std::vector<SyntaxSection> sections;
};

struct SyntaxEntryPoint {
  std::string name;
  std::vector<std::pair<std::string, ast::SourceLoc>> inputs;
  std::string output;
  ast::SourceLoc loc, outputLoc;
};

struct SyntaxFile {
  std::string modelName;
  ast::SourceLoc modelLoc;
  bool hasModel = false;
  std::vector<SyntaxEntry> hypers, vocabs;
  std::vector<SyntaxSection> stacks;
  std::vector<SyntaxEntryPoint> entries;
  ast::SourceLoc endLoc;
};

/// Parses a whole description; on a syntax error returns nothing and sets
/// `error`.
std::optional<SyntaxFile> parseSyntax(std::string_view buffer,
                                      const std::string &file,
                                      ast::Error &error);

} // namespace xf::parse

#endif // XF_FRONTEND_PARSE_PARSER_H
