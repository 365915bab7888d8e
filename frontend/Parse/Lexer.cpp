//===- Lexer.cpp - Tokens of the .xf description language -----------------===//

#include "frontend/Parse/Lexer.h"
#include <cctype>

using namespace xf;
using namespace xf::parse;

const char *parse::describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Ident:
    return "a name";
  case TokenKind::Int:
    return "an integer";
  case TokenKind::Float:
    return "a number";
  case TokenKind::String:
    return "a string";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::LBrace:
    return "'{'";
  case TokenKind::RBrace:
    return "'}'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Arrow:
    return "'->'";
  case TokenKind::Eof:
    return "end of file";
  case TokenKind::Invalid:
    return "an invalid token";
  }
  return "?";
}

void Lexer::advance() {
  if (peek() == '\n') {
    ++line;
    col = 1;
  } else {
    ++col;
  }
  ++pos;
}

Token Lexer::make(TokenKind kind, std::string text, ast::SourceLoc loc) const {
  return Token{kind, std::move(text), std::move(loc)};
}

Token Lexer::next() {
  // Skip blanks and comments.
  while (true) {
    char c = peek();
    if (c == '#') {
      while (peek() != '\n' && peek() != '\0')
        advance();
    } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
    } else {
      break;
    }
  }
  ast::SourceLoc loc{file, line, col};
  if (pos >= buffer.size())
    return make(TokenKind::Eof, "", loc);

  char c = peek();
  if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
    std::string s;
    while (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '_') {
      s += peek();
      advance();
    }
    return make(TokenKind::Ident, s, loc);
  }
  if (std::isdigit(static_cast<unsigned char>(c)) ||
      ((c == '-' || c == '+' || c == '.') &&
       std::isdigit(static_cast<unsigned char>(peek(1))))) {
    std::string s;
    bool isFloat = false;
    if (c == '-' || c == '+') {
      s += c;
      advance();
    }
    while (true) {
      char d = peek();
      if (std::isdigit(static_cast<unsigned char>(d))) {
        s += d;
      } else if (d == '.' || d == 'e' || d == 'E') {
        isFloat = true;
        s += d;
        if ((d == 'e' || d == 'E') && (peek(1) == '-' || peek(1) == '+')) {
          advance();
          s += peek();
        }
      } else {
        break;
      }
      advance();
    }
    // A number glued to letters (`12ab`) is not a number.
    if (std::isalpha(static_cast<unsigned char>(peek())) || peek() == '_') {
      while (std::isalnum(static_cast<unsigned char>(peek())) ||
             peek() == '_') {
        s += peek();
        advance();
      }
      return make(TokenKind::Invalid, "invalid number '" + s + "'", loc);
    }
    return make(isFloat ? TokenKind::Float : TokenKind::Int, s, loc);
  }
  if (c == '"') {
    advance();
    std::string s;
    while (peek() != '"') {
      if (peek() == '\0' || peek() == '\n')
        return make(TokenKind::Invalid, "unterminated string", loc);
      s += peek();
      advance();
    }
    advance();
    return make(TokenKind::String, s, loc);
  }
  if (c == '-' && peek(1) == '>') {
    advance();
    advance();
    return make(TokenKind::Arrow, "->", loc);
  }
  advance();
  switch (c) {
  case '=':
    return make(TokenKind::Equal, "=", loc);
  case '{':
    return make(TokenKind::LBrace, "{", loc);
  case '}':
    return make(TokenKind::RBrace, "}", loc);
  case '(':
    return make(TokenKind::LParen, "(", loc);
  case ')':
    return make(TokenKind::RParen, ")", loc);
  case '[':
    return make(TokenKind::LBracket, "[", loc);
  case ']':
    return make(TokenKind::RBracket, "]", loc);
  case ',':
    return make(TokenKind::Comma, ",", loc);
  default:
    return make(TokenKind::Invalid,
                std::string("unexpected character '") + c + "'", loc);
  }
}
