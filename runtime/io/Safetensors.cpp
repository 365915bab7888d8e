//===- Safetensors.cpp - Memory-mapped safetensors files ------------------===//

#include "runtime/io/Safetensors.h"
#include "runtime/io/Json.h"
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace xf::rt;

namespace {

size_t dtypeSize(const std::string &dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64")
    return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32")
    return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16")
    return 2;
  if (dtype == "I8" || dtype == "U8" || dtype == "BOOL" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2")
    return 1;
  return 0;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: normalize
      exp = 127 - 15 + 1;
      while (!(mant & 0x400)) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

} // namespace

std::string xf::rt::formatDims(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string &path,
                                                       std::string &error) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->filePath = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": cannot open: " + std::strerror(errno);
    return nullptr;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    error = path + ": not a regular file";
    return nullptr;
  }
  size_t size = static_cast<size_t>(st.st_size);
  if (size < 8) {
    ::close(fd);
    error = path + ": truncated file: " + std::to_string(size) +
            " bytes, a safetensors file starts with an 8-byte header length";
    return nullptr;
  }
  void *map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  file->fd = fd;
  if (map == MAP_FAILED) {
    error = path + ": cannot map: " + std::strerror(errno);
    return nullptr;
  }
  file->mapping = map;
  file->mappingSize = size;
  const uint8_t *bytes = static_cast<const uint8_t *>(map);

  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i)
    headerLen = (headerLen << 8) | bytes[i];
  if (headerLen > size - 8) {
    error = path + ": truncated file: header of " + std::to_string(headerLen) +
            " bytes but only " + std::to_string(size - 8) + " follow";
    return nullptr;
  }
  const char *header = reinterpret_cast<const char *>(bytes + 8);
  Json root;
  std::string why;
  if (!parseJson(header, header + headerLen, root, why)) {
    error = path + ": " + why;
    return nullptr;
  }
  if (root.kind != Json::Object) {
    error = path + ": malformed header: not a JSON object";
    return nullptr;
  }
  const uint8_t *data = bytes + 8 + headerLen;
  size_t dataSize = size - 8 - headerLen;
  for (auto &item : root.object) {
    const std::string &name = item.first;
    const Json &info = item.second;
    if (name == "__metadata__")
      continue;
    auto bad = [&](const std::string &what) {
      error = path + ": malformed header: tensor '" + name + "': " + what;
      return nullptr;
    };
    if (info.kind != Json::Object)
      return bad("not an object");
    auto dt = info.object.find("dtype");
    auto sh = info.object.find("shape");
    auto off = info.object.find("data_offsets");
    if (dt == info.object.end() || dt->second.kind != Json::String)
      return bad("missing string 'dtype'");
    if (sh == info.object.end() || sh->second.kind != Json::Array)
      return bad("missing array 'shape'");
    if (off == info.object.end() || off->second.kind != Json::Array ||
        off->second.array.size() != 2)
      return bad("missing 'data_offsets' [begin, end]");
    TensorEntry e;
    e.name = name;
    e.dtype = dt->second.string;
    uint64_t count = 1;
    for (const Json &d : sh->second.array) {
      if (d.kind != Json::Number || d.negative ||
          d.number > (uint64_t(1) << 40))
        return bad("shape entries must be non-negative integers");
      e.shape.push_back(static_cast<int64_t>(d.number));
      count *= d.number;
      if (count > (uint64_t(1) << 40))
        return bad("shape too large");
    }
    for (const Json &o : off->second.array)
      if (o.kind != Json::Number || o.negative)
        return bad("data_offsets must be non-negative integers");
    uint64_t begin = off->second.array[0].number,
             end = off->second.array[1].number;
    if (begin > end || end > dataSize) {
      error = path + ": tensor '" + name + "': data_offsets [" +
              std::to_string(begin) + ", " + std::to_string(end) +
              "] are out of range of the " + std::to_string(dataSize) +
              "-byte data section";
      return nullptr;
    }
    size_t elt = dtypeSize(e.dtype);
    if (elt == 0)
      return bad("unknown dtype '" + e.dtype + "'");
    if (end - begin != count * elt) {
      error = path + ": tensor '" + name + "': " + std::to_string(end - begin) +
              " bytes of data for " + e.dtype + " " + formatDims(e.shape) +
              " (expected " + std::to_string(count * elt) + ")";
      return nullptr;
    }
    e.data = data + begin;
    e.bytes = end - begin;
    file->entries.push_back(std::move(e));
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping)
    munmap(mapping, mappingSize);
  if (fd >= 0)
    ::close(fd);
}

bool SafetensorsFile::readBytes(const TensorEntry &tensor, void *out,
                                std::string &error) const {
  auto *to = static_cast<uint8_t *>(out);
  size_t at = tensor.data - static_cast<const uint8_t *>(mapping);
  for (size_t done = 0; done < tensor.bytes;) {
    ssize_t n = ::pread(fd, to + done, tensor.bytes - done, at + done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      error = filePath + ": tensor '" + tensor.name + "': cannot read: " +
              (n < 0 ? std::strerror(errno)
                     : "the file is shorter than its header says");
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

const TensorEntry *SafetensorsFile::find(const std::string &name) const {
  for (const TensorEntry &e : entries)
    if (e.name == name)
      return &e;
  return nullptr;
}

bool SafetensorsFile::readF32(const std::string &name,
                              const std::vector<int64_t> &shape,
                              std::vector<float> &out, std::string &error,
                              bool transposed) const {
  if (transposed) {
    // Read as stored, then transpose into `shape`.
    if (shape.size() != 2) {
      error = filePath + ": tensor '" + name + "' read transposed is not 2-D";
      return false;
    }
    std::vector<float> stored;
    if (!readF32(name, {shape[1], shape[0]}, stored, error))
      return false;
    out.resize(stored.size());
    for (int64_t r = 0; r < shape[0]; ++r)
      for (int64_t c = 0; c < shape[1]; ++c)
        out[r * shape[1] + c] = stored[c * shape[0] + r];
    return true;
  }
  const TensorEntry *e = find(name);
  if (!e) {
    error = filePath + ": missing tensor '" + name + "' (expected F32 " +
            formatDims(shape) + ")";
    return false;
  }
  if (e->shape != shape) {
    error = filePath + ": tensor '" + name + "' has shape " +
            formatDims(e->shape) + ", expected " + formatDims(shape);
    return false;
  }
  size_t n = e->bytes / dtypeSize(e->dtype);
  out.resize(n);
  if (e->dtype == "F32") {
    std::memcpy(out.data(), e->data, e->bytes);
  } else if (e->dtype == "F16" || e->dtype == "BF16") {
    bool bf = e->dtype == "BF16";
    for (size_t i = 0; i < n; ++i) {
      uint16_t h = uint16_t(e->data[2 * i]) | uint16_t(e->data[2 * i + 1]) << 8;
      if (bf) {
        uint32_t bits = uint32_t(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      } else {
        out[i] = halfToFloat(h);
      }
    }
  } else {
    error = filePath + ": tensor '" + name + "' has dtype " + e->dtype +
            ", expected F32 (or F16/BF16, converted on load)";
    return false;
  }
  return true;
}

bool xf::rt::writeSafetensors(const std::string &path,
                              const std::vector<TensorBytes> &tensors,
                              std::string &error) {
  auto quoted = [](const std::string &text) {
    std::string out = "\"";
    for (unsigned char c : text) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  };
  std::string header = "{";
  size_t offset = 0;
  for (const TensorBytes &t : tensors) {
    header += (header.size() > 1 ? "," : "") + quoted(t.name) +
              ":{\"dtype\":" + quoted(t.dtype) + ",\"shape\":[";
    for (size_t k = 0; k < t.shape.size(); ++k)
      header += (k ? "," : "") + std::to_string(t.shape[k]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + t.bytes.size()) + "]}";
    offset += t.bytes.size();
  }
  header += "}";
  while (header.size() % 8) // data starts 8-byte aligned
    header += ' ';
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  uint64_t length = header.size();
  bool ok = std::fwrite(&length, 8, 1, f) == 1 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size();
  for (const TensorBytes &t : tensors)
    ok = ok && std::fwrite(t.bytes.data(), 1, t.bytes.size(), f) ==
                   t.bytes.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    error = "cannot write '" + path + "': " + std::strerror(errno);
  return ok;
}
