//===- Parser.cpp - The syntax of .xf descriptions ------------------------===//

#include "frontend/Parse/Parser.h"

using namespace xf;
using namespace xf::parse;

namespace {
class Parser {
public:
  Parser(std::string_view buffer, const std::string &file, ast::Error &error)
      : lexer(buffer, file), error(error) {
    tok = lexer.next();
  }

  std::optional<SyntaxFile> parseFile();

private:
  void consume() { tok = lexer.next(); }
  /// Records an error at the current token; always returns false.
  bool fail(const std::string &expected);
  bool expect(TokenKind kind, const char *what, Token *out = nullptr);
  bool parseValue(SyntaxValue &value);
  bool parseBody(SyntaxSection &section);
  bool parseEntryPoint(SyntaxFile &file, const ast::SourceLoc &keywordLoc);

  Lexer lexer;
  Token tok;
  ast::Error &error;
};
} // namespace

bool Parser::fail(const std::string &expected) {
  if (tok.kind == TokenKind::Invalid) {
    error = {tok.loc, tok.text};
    return false;
  }
  std::string found = tok.kind == TokenKind::Eof ? std::string("end of file")
                                                 : "'" + tok.text + "'";
  if (tok.kind == TokenKind::String)
    found = "\"" + tok.text + "\"";
  error = {tok.loc, "expected " + expected + ", found " + found};
  return false;
}

bool Parser::expect(TokenKind kind, const char *what, Token *out) {
  if (tok.kind != kind)
    return fail(what);
  if (out)
    *out = tok;
  consume();
  return true;
}

bool Parser::parseValue(SyntaxValue &value) {
  value.loc = tok.loc;
  value.text = tok.text;
  switch (tok.kind) {
  case TokenKind::Int:
    value.kind = SyntaxValue::Kind::Int;
    break;
  case TokenKind::Float:
    value.kind = SyntaxValue::Kind::Float;
    break;
  case TokenKind::String:
    value.kind = SyntaxValue::Kind::String;
    break;
  case TokenKind::Ident:
    value.kind = SyntaxValue::Kind::Name;
    break;
  case TokenKind::LBracket: {
    value.kind = SyntaxValue::Kind::List;
    consume();
    if (tok.kind == TokenKind::RBracket) {
      consume();
      return true;
    }
    while (true) {
      SyntaxValue item;
      if (!parseValue(item))
        return false;
      value.items.push_back(std::move(item));
      if (tok.kind == TokenKind::Comma) {
        consume();
        continue;
      }
      return expect(TokenKind::RBracket, "',' or ']'");
    }
  }
  default:
    return fail("a value (number, string, name or [list])");
  }
  consume();
  return true;
}

bool Parser::parseBody(SyntaxSection &section) {
  while (tok.kind == TokenKind::Ident) {
    Token key = tok;
    consume();
    if (tok.kind == TokenKind::LBrace) {
      consume();
      SyntaxSection child;
      child.kind = key.text;
      child.loc = key.loc;
      if (!parseBody(child) || !expect(TokenKind::RBrace, "'}'"))
        return false;
      section.sections.push_back(std::move(child));
      continue;
    }
    if (!expect(TokenKind::Equal, "'=' or '{' after a key"))
      return false;
    SyntaxEntry entry{key.text, key.loc, {}};
    if (!parseValue(entry.value))
      return false;
    section.entries.push_back(std::move(entry));
  }
  return true;
}

bool Parser::parseEntryPoint(SyntaxFile &file,
                             const ast::SourceLoc &keywordLoc) {
  SyntaxEntryPoint ep;
  ep.loc = keywordLoc;
  Token name;
  if (!expect(TokenKind::Ident, "an entry point name", &name) ||
      !expect(TokenKind::LParen, "'('"))
    return false;
  ep.name = name.text;
  if (tok.kind != TokenKind::RParen) {
    while (true) {
      Token input;
      if (!expect(TokenKind::Ident, "an input name", &input))
        return false;
      ep.inputs.push_back({input.text, input.loc});
      if (tok.kind != TokenKind::Comma)
        break;
      consume();
    }
  }
  Token output;
  if (!expect(TokenKind::RParen, "',' or ')'") ||
      !expect(TokenKind::Arrow, "'->'") ||
      !expect(TokenKind::Ident, "an output name", &output))
    return false;
  ep.output = output.text;
  ep.outputLoc = output.loc;
  file.entries.push_back(std::move(ep));
  return true;
}

std::optional<SyntaxFile> Parser::parseFile() {
  SyntaxFile file;
  while (tok.kind != TokenKind::Eof) {
    if (tok.kind != TokenKind::Ident) {
      fail("a statement (model, hyper, vocab, stack, entry)");
      return std::nullopt;
    }
    Token keyword = tok;
    consume();
    bool ok = true;
    if (keyword.text == "model") {
      Token name;
      ok = expect(TokenKind::Ident, "a model name", &name);
      if (ok && file.hasModel) {
        error = {keyword.loc, "the model is named twice (first at line " +
                                  std::to_string(file.modelLoc.line) + ")"};
        return std::nullopt;
      }
      file.hasModel = true;
      file.modelName = name.text;
      file.modelLoc = keyword.loc;
    } else if (keyword.text == "hyper" || keyword.text == "vocab") {
      Token name;
      SyntaxEntry entry;
      ok = expect(TokenKind::Ident, "a name", &name) &&
           expect(TokenKind::Equal, "'='") && parseValue(entry.value);
      entry.key = name.text;
      entry.loc = name.loc;
      (keyword.text == "hyper" ? file.hypers : file.vocabs)
          .push_back(std::move(entry));
    } else if (keyword.text == "stack") {
      SyntaxSection stack;
      Token name;
      stack.kind = "stack";
      stack.loc = keyword.loc;
      ok = expect(TokenKind::Ident, "a stack name", &name) &&
           expect(TokenKind::LBrace, "'{'") && parseBody(stack) &&
           expect(TokenKind::RBrace, "a key, a block or '}'");
      stack.name = name.text;
      file.stacks.push_back(std::move(stack));
    } else if (keyword.text == "entry") {
      ok = parseEntryPoint(file, keyword.loc);
    } else {
      error = {keyword.loc, "unknown statement '" + keyword.text +
                                "' (expected model, hyper, vocab, stack or "
                                "entry)"};
      return std::nullopt;
    }
    if (!ok)
      return std::nullopt;
  }
  file.endLoc = tok.loc;
  return file;
}

std::optional<SyntaxFile> parse::parseSyntax(std::string_view buffer,
                                             const std::string &file,
                                             ast::Error &error) {
  return Parser(buffer, file, error).parseFile();
}
