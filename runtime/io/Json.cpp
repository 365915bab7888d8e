//===- Json.cpp - A small JSON reader for headers and manifests -----------===//

#include "runtime/io/Json.h"

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
  /// Four hex digits of a \u escape.
  bool hex4(unsigned &out) {
    out = 0;
    for (int i = 0; i < 4; ++i, ++p) {
      if (p >= end)
        return failWith("unterminated string");
      char c = *p;
      unsigned digit = c >= '0' && c <= '9'   ? c - '0'
                       : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : 16;
      if (digit == 16)
        return failWith("bad \\u escape");
      out = out * 16 + digit;
    }
    return true;
  }
  static void appendUtf8(std::string &out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3F));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool str(std::string &out) {
    if (p >= end || *p != '"')
      return failWith("expected a string");
    ++p;
    while (p < end && *p != '"') {
      if (*p != '\\') {
        out += *p++;
        continue;
      }
      if (++p >= end)
        return failWith("unterminated string");
      char c = *p++;
      switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned cp;
        if (!hex4(cp))
          return false;
        // A UTF-16 surrogate pair is one code point.
        if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' &&
            p[1] == 'u') {
          p += 2;
          unsigned low;
          if (!hex4(low))
            return false;
          if (low < 0xDC00 || low >= 0xE000)
            return failWith("bad \\u surrogate pair");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        return failWith("bad escape in a string");
      }
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
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
           *p != '\n' && *p != '\r' && *p != '\t')
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
