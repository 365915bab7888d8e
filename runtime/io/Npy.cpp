//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//

#include "runtime/io/Npy.h"
#include <cstring>
#include <fstream>
#include <sstream>

using namespace xf::rt;

namespace {
/// Finds `'key': ` in a header dict and returns the text after it.
bool findKey(const std::string &header, const std::string &key, size_t &pos) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  pos = header.find(':', k);
  if (pos == std::string::npos)
    return false;
  ++pos;
  while (pos < header.size() && header[pos] == ' ')
    ++pos;
  return true;
}
} // namespace

bool xf::rt::readNpy(const std::string &path, NpyArray &out,
                     std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot open";
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string bytes = ss.str();
  auto bad = [&](const std::string &what) {
    error = path + ": not a valid .npy file: " + what;
    return false;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return bad("missing the \\x93NUMPY magic");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                static_cast<unsigned char>(bytes[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = headerLen << 8 | static_cast<unsigned char>(bytes[8 + i]);
    headerStart = 12;
  } else {
    return bad("unsupported format version " + std::to_string(major));
  }
  if (headerStart + headerLen > bytes.size())
    return bad("truncated header");
  std::string header = bytes.substr(headerStart, headerLen);

  size_t pos;
  if (!findKey(header, "descr", pos) || header[pos] != '\'')
    return bad("header has no 'descr'");
  std::string descr =
      header.substr(pos + 1, header.find('\'', pos + 1) - pos - 1);
  if (!findKey(header, "fortran_order", pos))
    return bad("header has no 'fortran_order'");
  if (header.compare(pos, 4, "True") == 0)
    return bad("Fortran-order arrays are not supported (save with C order)");
  if (!findKey(header, "shape", pos) || header[pos] != '(')
    return bad("header has no 'shape'");
  out.shape.clear();
  size_t close = header.find(')', pos);
  if (close == std::string::npos)
    return bad("unterminated shape");
  std::string dims = header.substr(pos + 1, close - pos - 1);
  std::stringstream ds(dims);
  for (std::string item; std::getline(ds, item, ',');) {
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos)
      continue;
    char *end = nullptr;
    long long d = std::strtoll(item.c_str() + b, &end, 10);
    if (d < 0 || end == item.c_str() + b)
      return bad("bad shape '" + dims + "'");
    out.shape.push_back(d);
  }

  size_t elt;
  if (descr == "<f4" || descr == "<i4")
    elt = 4;
  else if (descr == "<f8" || descr == "<i8")
    elt = 8;
  else if (descr == "|b1" || descr == "|u1" || descr == "|i1")
    elt = 1;
  else
    return bad("unsupported dtype '" + descr +
               "' (expected <f4, <f8, <i8, <i4 or |b1)");
  uint64_t count = 1;
  for (int64_t d : out.shape) {
    count *= static_cast<uint64_t>(d);
    if (count > (uint64_t(1) << 36))
      return bad("array too large");
  }
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != count * elt)
    return bad("expected " + std::to_string(count * elt) + " data bytes for " +
               descr + " of shape (" + dims + "), found " +
               std::to_string(bytes.size() - dataStart));
  const char *data = bytes.data() + dataStart;
  out.isFloat = descr[1] == 'f';
  out.f.clear();
  out.i.clear();
  for (uint64_t k = 0; k < count; ++k) {
    const char *p = data + k * elt;
    if (descr == "<f4") {
      float v;
      std::memcpy(&v, p, 4);
      out.f.push_back(v);
    } else if (descr == "<f8") {
      double v;
      std::memcpy(&v, p, 8);
      out.f.push_back(static_cast<float>(v));
    } else if (descr == "<i8") {
      int64_t v;
      std::memcpy(&v, p, 8);
      out.i.push_back(v);
    } else if (descr == "<i4") {
      int32_t v;
      std::memcpy(&v, p, 4);
      out.i.push_back(v);
    } else if (descr == "|i1") {
      out.i.push_back(static_cast<int8_t>(*p));
    } else {
      out.i.push_back(static_cast<unsigned char>(*p));
    }
  }
  return true;
}

bool xf::rt::writeNpy(const std::string &path, const NpyArray &array,
                      std::string &error) {
  std::string shape = "(";
  for (size_t k = 0; k < array.shape.size(); ++k)
    shape += std::to_string(array.shape[k]) + ",";
  if (array.shape.size() > 1)
    shape.pop_back();
  shape += ")";
  std::string header = std::string("{'descr': '") +
                       (array.isFloat ? "<f4" : "<i8") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream os(path, std::ios::binary);
  if (!os) {
    error = path + ": cannot write";
    return false;
  }
  os.write("\x93NUMPY\x01\x00", 8);
  uint16_t len = static_cast<uint16_t>(header.size());
  char lenBytes[2] = {static_cast<char>(len & 0xff),
                      static_cast<char>(len >> 8)};
  os.write(lenBytes, 2);
  os << header;
  if (array.isFloat)
    os.write(reinterpret_cast<const char *>(array.f.data()),
             array.f.size() * sizeof(float));
  else
    os.write(reinterpret_cast<const char *>(array.i.data()),
             array.i.size() * sizeof(int64_t));
  if (!os) {
    error = path + ": write failed";
    return false;
  }
  return true;
}
