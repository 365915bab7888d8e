//===- RunTools.h - What xf-run and xf-bench share --------------*- C++ -*-===//
//
// Finding the library in an xfc output directory, and the --threads flag
// (libLLVM already registers a `threads` option, so the tools take
// `--threads N` / `--threads=N` out of argv before LLVM's parser sees it).
//
//===----------------------------------------------------------------------===//

#ifndef XF_TOOLS_RUNTOOLS_H
#define XF_TOOLS_RUNTOOLS_H

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include <cstdlib>
#include <cstring>
#include <string>

namespace xf::tools {

/// The lib<model>.so in xfc's output directory `dir`, or "" if none.
inline std::string findLibrary(const std::string &dir) {
  std::error_code ec;
  std::string library;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    llvm::StringRef name = llvm::sys::path::filename(it->path());
    if (name.starts_with("lib") && name.ends_with(".so"))
      library = it->path();
  }
  return library;
}

/// Removes --threads from argv; returns the count (0 if absent), or -1 with
/// `error` set when its value is not a non-negative integer.
inline int takeThreadsFlag(int &argc, char **argv, std::string &error) {
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    const char *value = nullptr;
    int consumed = 0;
    if (std::strcmp(argv[i], "--threads") == 0 ||
        std::strcmp(argv[i], "-threads") == 0) {
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

#endif // XF_TOOLS_RUNTOOLS_H
