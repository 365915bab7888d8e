//===- HalideKernels.cpp - xf-halide run beside xfc's code generation -----===//

#include "compiler/HalideKernels.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir::xf;

HalideKernelBuild::~HalideKernelBuild() {
  if (running) {
    std::string ignored;
    llvm::sys::Wait(process, std::nullopt, &ignored);
  }
  if (!scratch.empty())
    llvm::sys::fs::remove_directories(scratch);
}

bool HalideKernelBuild::start(const std::string &root,
                              const std::vector<std::string> &specs,
                              const std::vector<std::string> &features,
                              const std::string &schedule, bool autoschedule,
                              std::string &error) {
  std::string tool = root + "/bin/xf-halide";
  if (!llvm::sys::fs::can_execute(tool)) {
    error = "xfc: error: --kernels=halide needs " + tool +
            ", which is missing";
    return false;
  }
  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("xfc-halide", dir)) {
    error = "xfc: error: cannot create a scratch directory: " + ec.message();
    return false;
  }
  scratch = dir.str().str();
  std::string specPath = scratch + "/kernels.txt";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(specPath, ec);
    if (ec) {
      error = "xfc: error: cannot write " + specPath + ": " + ec.message();
      return false;
    }
    for (const std::string &line : specs) {
      os << line << "\n";
      names.push_back(line.substr(0, line.find(' ')));
    }
  }
  std::vector<std::string> args = {
      tool, specPath, "-o", scratch,
      "--cpu-features=" + llvm::join(features, ","), "--runtime"};
  if (!schedule.empty())
    args.push_back("--schedule=" + schedule);
  if (autoschedule)
    args.push_back("--autoschedule");
  llvm::SmallVector<llvm::StringRef> refs(args.begin(), args.end());
  std::string errPath = scratch + "/stderr.txt";
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, std::nullopt,
                                                llvm::StringRef(errPath)};
  bool failed = false;
  process = llvm::sys::ExecuteNoWait(tool, refs, std::nullopt, redirects, 0,
                                     &error, &failed);
  if (failed) {
    error = "xfc: error: cannot run " + tool + ": " + error;
    return false;
  }
  running = true;
  return true;
}

bool HalideKernelBuild::finish(std::vector<std::string> &objects,
                               std::string &error, bool &userError) {
  std::string message;
  llvm::sys::ProcessInfo done =
      llvm::sys::Wait(process, std::nullopt, &message);
  running = false;
  if (done.ReturnCode != 0) {
    auto text = llvm::MemoryBuffer::getFile(scratch + "/stderr.txt");
    std::string out = text ? (*text)->getBuffer().trim().str() : message;
    userError = done.ReturnCode == 1;
    error = out.empty() ? "xf-halide failed (status " +
                              std::to_string(done.ReturnCode) + ")"
                        : out;
    return false;
  }
  for (const std::string &name : names)
    objects.push_back(scratch + "/" + name + ".o");
  objects.push_back(scratch + "/halide_runtime.o");
  return true;
}
