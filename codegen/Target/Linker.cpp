//===- Linker.cpp - Links the model object into a shared library ----------===//

#include "codegen/Target/Linker.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include <cstdlib>

using namespace mlir;

bool xf::linkSharedLibrary(const std::vector<std::string> &objects,
                           const std::vector<std::string> &archives,
                           const std::vector<std::string> &extraFlags,
                           const std::string &output, std::string &error) {
  std::string driver;
  std::vector<std::string> candidates;
  if (const char *env = std::getenv("XF_CXX"))
    candidates.push_back(env);
  candidates.insert(candidates.end(), {"clang++-19", "c++", "g++"});
  for (const std::string &c : candidates)
    if (auto path = llvm::sys::findProgramByName(c)) {
      driver = *path;
      break;
    }
  if (driver.empty()) {
    error = "no C++ linker driver found (set XF_CXX)";
    return false;
  }
  // The soname is the file name, so programs linked against the library
  // by path look it up by name (rpath, LD_LIBRARY_PATH) once deployed.
  std::vector<std::string> args = {driver, "-shared", "-o", output,
                                   "-Wl,-soname," +
                                       llvm::sys::path::filename(output).str()};
  args.insert(args.end(), objects.begin(), objects.end());
  // Whole archives: nothing in the model references the C API, yet it must
  // be in the library for its callers.
  args.push_back("-Wl,--whole-archive");
  args.insert(args.end(), archives.begin(), archives.end());
  args.push_back("-Wl,--no-whole-archive");
  args.insert(args.end(),
              {"-Wl,-Bsymbolic", "-Wl,-z,defs", "-ldl", "-lm", "-lpthread"});
  args.insert(args.end(), extraFlags.begin(), extraFlags.end());
  llvm::SmallVector<llvm::StringRef> refs(args.begin(), args.end());
  std::string message;
  int rc =
      llvm::sys::ExecuteAndWait(driver, refs, std::nullopt, {}, 0, 0, &message);
  if (rc != 0) {
    error = "linking " + output + " failed (" + driver + ", status " +
            std::to_string(rc) + ")" + (message.empty() ? "" : ": " + message);
    return false;
  }
  return true;
}
