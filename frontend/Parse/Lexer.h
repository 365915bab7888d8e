//===- Lexer.h - Tokens of the .xf description language ---------*- C++ -*-===//
//
// Splits a description into identifiers, numbers, strings and punctuation,
// each with its line and column. `#` starts a comment to the end of the line.
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_PARSE_LEXER_H
#define XF_FRONTEND_PARSE_LEXER_H

#include "frontend/AST/ModelAST.h"
#include <string>
#include <string_view>

namespace xf::parse {

enum class TokenKind {
  Ident,
  Int,
  Float,
  String,
  Equal,
  LBrace,
  RBrace,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Arrow,
  Eof,
  Invalid,
};

struct Token {
  TokenKind kind = TokenKind::Eof;
  std::string text; ///< spelling; for strings, the contents without quotes
  ast::SourceLoc loc;
};

/// Describes a token kind for messages ("'{'", "a string", ...).
const char *describe(TokenKind kind);

class Lexer {
public:
  Lexer(std::string_view buffer, std::string file)
      : buffer(buffer), file(std::move(file)) {}

  /// Returns the next token; `Invalid` carries a message in `text`.
  Token next();

private:
  char peek(size_t ahead = 0) const {
    return pos + ahead < buffer.size() ? buffer[pos + ahead] : '\0';
  }
  void advance();
  Token make(TokenKind kind, std::string text, ast::SourceLoc loc) const;

  std::string_view buffer;
  std::string file;
  size_t pos = 0;
  unsigned line = 1, col = 1;
};

} // namespace xf::parse

#endif // XF_FRONTEND_PARSE_LEXER_H
