//===- Json.cpp - A small JSON reader for headers and manifests -----------===//

#include "runtime/src/Json.h"

using namespace xf::rt;

namespace {
class JsonParser {
public:
  JsonParser(const char *p, const char *end) : p(p), end(end) {}
  bool parse(Json &out, std::string &error) {
    if (!value(out, 0)) {
      error =
          "malformed header: " + why + " at byte " + std::to_string(p - start);
      return false;
    }
    skip();
    // Headers may be padded with spaces to align the data.
    if (p != end) {
      error = "malformed header: trailing characters at byte " +
              std::to_string(p - start);
      return false;
    }
    return true;
  }

private:
  void skip() {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
      ++p;
  }
  bool failWith(const char *message) {
    why = message;
    return false;
  }
  bool str(std::string &out) {
    if (p >= end || *p != '"')
      return failWith("expected a string");
    ++p;
    while (p < end && *p != '"') {
      if (*p == '\\') {
        if (++p >= end)
          return failWith("unterminated string");
        char c = *p;
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
        if (c == 'u') { // keep \uXXXX escapes verbatim
          out.back() = '\\';
          out += 'u';
        }
      } else {
        out += *p;
      }
      ++p;
    }
    if (p >= end)
      return failWith("unterminated string");
    ++p;
    return true;
  }
  bool value(Json &out, int depth) {
    if (depth > 16)
      return failWith("nesting too deep");
    skip();
    if (p >= end)
      return failWith("unexpected end");
    if (*p == '{') {
      out.kind = Json::Object;
      ++p;
      skip();
      if (p < end && *p == '}') {
        ++p;
        return true;
      }
      while (true) {
        skip();
        std::string key;
        if (!str(key))
          return false;
        skip();
        if (p >= end || *p != ':')
          return failWith("expected ':'");
        ++p;
        Json v;
        if (!value(v, depth + 1))
          return false;
        if (out.object.count(key))
          return failWith("duplicate key");
        out.object.emplace(std::move(key), std::move(v));
        skip();
        if (p < end && *p == ',') {
          ++p;
          continue;
        }
        if (p < end && *p == '}') {
          ++p;
          return true;
        }
        return failWith("expected ',' or '}'");
      }
    }
    if (*p == '[') {
      out.kind = Json::Array;
      ++p;
      skip();
      if (p < end && *p == ']') {
        ++p;
        return true;
      }
      while (true) {
        Json v;
        if (!value(v, depth + 1))
          return false;
        out.array.push_back(std::move(v));
        skip();
        if (p < end && *p == ',') {
          ++p;
          continue;
        }
        if (p < end && *p == ']') {
          ++p;
          return true;
        }
        return failWith("expected ',' or ']'");
      }
    }
    if (*p == '"') {
      out.kind = Json::String;
      return str(out.string);
    }
    if ((*p >= '0' && *p <= '9') ||
        (*p == '-' && p + 1 < end && p[1] >= '0' && p[1] <= '9')) {
      out.kind = Json::Number;
      if (*p == '-') {
        out.negative = true;
        ++p;
      }
      while (p < end && *p >= '0' && *p <= '9') {
        uint64_t digit = *p - '0';
        if (out.number > (UINT64_MAX - digit) / 10)
          return failWith("number too large");
        out.number = out.number * 10 + digit;
        ++p;
      }
      return true;
    }
    // true / false / null / fractional numbers: keep the token's text.
    const char *startTok = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ')
      ++p;
    if (p == startTok)
      return failWith("unexpected character");
    out.kind = Json::Other;
    out.string.assign(startTok, p);
    return true;
  }

  const char *p, *end;
  const char *start = p;
  std::string why;
};

} // namespace

bool xf::rt::parseJson(const char *begin, const char *end, Json &out,
                       std::string &error) {
  return JsonParser(begin, end).parse(out, error);
}
