//===- ThreadsFlag.h - The --threads flag of the run tools ------*- C++ -*-===//
//
// libLLVM already registers a `threads` command-line option, so xf-run and
// xf-bench take `--threads N` / `--threads=N` out of argv before LLVM's
// parser sees it.
//
//===----------------------------------------------------------------------===//

#ifndef XF_TOOLS_THREADSFLAG_H
#define XF_TOOLS_THREADSFLAG_H

#include <cstdlib>
#include <cstring>
#include <string>

namespace xf::tools {

/// Removes --threads from argv; returns the count (0 if absent), or -1 with
/// `error` set when its value is not a non-negative integer.
inline int takeThreadsFlag(int &argc, char **argv, std::string &error) {
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const char *value = nullptr;
    int consumed = 0;
    if (std::strcmp(argv[i], "--threads") == 0 || std::strcmp(argv[i], "-threads") == 0) {
      value = i + 1 < argc ? argv[i + 1] : "";
      consumed = i + 1 < argc ? 2 : 1;
    } else if (std::strncmp(argv[i], "--threads=", 10) == 0) {
      value = argv[i] + 10;
      consumed = 1;
    } else {
      continue;
    }
    char *end = nullptr;
    long n = std::strtol(value, &end, 10);
    if (!*value || *end || n < 0 || n > 4096) {
      error = std::string("--threads expects a non-negative integer, found '") +
              value + "'";
      return -1;
    }
    threads = static_cast<int>(n);
    for (int j = i; j + consumed < argc; ++j)
      argv[j] = argv[j + consumed];
    argc -= consumed;
    --i;
  }
  return threads;
}

} // namespace xf::tools

#endif // XF_TOOLS_THREADSFLAG_H
