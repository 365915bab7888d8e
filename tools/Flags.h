//===- Flags.h - Flag parsing shared by the xf tools ------------*- C++ -*-===//
//
// The tools parse their flags with LLVM's command-line library, which also
// holds the hundreds of options libLLVM registers. This keeps those out of
// --help and turns LLVM's report of a bad flag (several lines) into the one
// `error:` line and exit status 1 that every xf tool gives on bad input.
//
//===----------------------------------------------------------------------===//

#ifndef XF_TOOLS_FLAGS_H
#define XF_TOOLS_FLAGS_H

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdio>
#include <string>
#include <unistd.h>

namespace xf::tools {

/// LLVM's command-line parser reads `-h` (an alias of --help) grouped
/// with other letters, so any unknown flag starting with `-h`/`--h`
/// (`xfc --hf DIR`) would print the help and exit 0. Returns false with
/// `error` for such a flag: one that is not a registered option.
inline bool rejectHelpLookalikes(int argc, char **argv, std::string &error) {
  auto &options = llvm::cl::getRegisteredOptions();
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg == "--")
      break;
    if (!arg.consume_front("-"))
      continue;
    arg.consume_front("-");
    llvm::StringRef name = arg.split('=').first;
    if (name.size() > 1 && name.starts_with("h") && !options.count(name)) {
      error = std::string("Unknown command line argument '") + argv[i] +
              "'. Try: '" + llvm::sys::path::filename(argv[0]).str() +
              " --help'";
      return false;
    }
  }
  return true;
}

/// Parses argv; --help lists only the options of `category`. On a bad flag
/// prints "<tool>: error: <LLVM's first message>" and returns false. LLVM
/// writes some of its messages straight to stderr, so stderr goes to a
/// temporary file while the parser runs.
inline bool parseFlags(int argc, char **argv,
                       llvm::cl::OptionCategory &category,
                       llvm::StringRef overview) {
  llvm::cl::HideUnrelatedOptions(category);
  std::string lookalike;
  if (!rejectHelpLookalikes(argc, argv, lookalike)) {
    llvm::errs() << llvm::sys::path::filename(argv[0])
                 << ": error: " << lookalike << "\n";
    return false;
  }
  std::FILE *capture = std::tmpfile();
  int saved = capture ? dup(STDERR_FILENO) : -1;
  if (saved >= 0)
    dup2(fileno(capture), STDERR_FILENO);
  std::string messages;
  llvm::raw_string_ostream os(messages);
  bool ok = llvm::cl::ParseCommandLineOptions(argc, argv, overview, &os);
  llvm::errs().flush();
  if (saved >= 0) {
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::rewind(capture);
    std::string captured;
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, capture))
      captured.append(buffer, n);
    messages = captured + messages;
  }
  if (capture)
    std::fclose(capture);
  if (ok)
    return true;
  llvm::StringRef tool = llvm::sys::path::filename(argv[0]);
  llvm::StringRef first = llvm::StringRef(messages).split('\n').first.trim();
  // LLVM starts its messages with the program name.
  if (first.consume_front(tool))
    first.consume_front(": ");
  llvm::errs() << tool << ": error: " << first << "\n";
  return false;
}

} // namespace xf::tools

#endif // XF_TOOLS_FLAGS_H
