//===- FuzzSupport.h - What the libFuzzer targets share ---------*- C++ -*-===//
//
// Readers that take a path (safetensors maps its file) are fuzzed through
// an in-memory file, so the fuzzed bytes go through exactly the code a
// real file does.
//
//===----------------------------------------------------------------------===//

#ifndef XF_TESTS_FUZZ_FUZZSUPPORT_H
#define XF_TESTS_FUZZ_FUZZSUPPORT_H

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace xf::fuzz {

/// An anonymous in-memory file holding `size` bytes, named by a /proc path.
class MemFile {
public:
  MemFile(const uint8_t *data, size_t size) {
    fd = memfd_create("xf-fuzz", 0);
    if (fd < 0)
      std::abort();
    for (size_t done = 0; done < size;) {
      ssize_t n = write(fd, data + done, size - done);
      if (n <= 0)
        std::abort();
      done += static_cast<size_t>(n);
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() { close(fd); }
  MemFile(const MemFile &) = delete;
  MemFile &operator=(const MemFile &) = delete;
  std::string path;

private:
  int fd = -1;
};

} // namespace xf::fuzz

#endif // XF_TESTS_FUZZ_FUZZSUPPORT_H
