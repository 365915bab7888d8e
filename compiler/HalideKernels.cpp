//===- HalideKernels.cpp - xf-halide run beside xfc's code generation -----===//

#include "compiler/HalideKernels.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <thread>

using namespace mlir::xf;

HalideKernelBuild::~HalideKernelBuild() {
  for (llvm::sys::ProcessInfo &p : processes)
    llvm::sys::Wait(p, std::nullopt);
  if (!scratch.empty())
    llvm::sys::fs::remove_directories(scratch);
}

namespace {
/// Rough relative compile times (an attention pipeline takes several times
/// a linear one; Halide's runtime about as long as three).
int compileCost(llvm::StringRef kind) { return kind == "attention" ? 4 : 1; }
constexpr int kRuntimeCost = 3;
} // namespace

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
  // Longest first, each to the least loaded process; the runtime first.
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::vector<std::string>> lines(jobs);
  std::vector<int> load(jobs, 0);
  load[0] = kRuntimeCost;
  std::vector<std::string> sorted = specs;
  auto kindOf = [](const std::string &line) {
    llvm::StringRef rest = llvm::StringRef(line).split(' ').second;
    return rest.split(' ').first;
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const std::string &a, const std::string &b) {
                     return compileCost(kindOf(a)) > compileCost(kindOf(b));
                   });
  for (const std::string &line : sorted) {
    size_t j = std::min_element(load.begin(), load.end()) - load.begin();
    lines[j].push_back(line);
    load[j] += compileCost(kindOf(line));
    names.push_back(line.substr(0, line.find(' ')));
  }
  for (unsigned j = 0; j < jobs; ++j) {
    if (lines[j].empty() && j > 0)
      continue;
    std::string base = scratch + "/job" + std::to_string(j);
    {
      std::error_code ec;
      llvm::raw_fd_ostream os(base + ".txt", ec);
      if (ec) {
        error = "xfc: error: cannot write " + base + ".txt: " + ec.message();
        return false;
      }
      for (const std::string &line : lines[j])
        os << line << "\n";
    }
    std::vector<std::string> args = {
        tool, base + ".txt", "-o", scratch,
        "--cpu-features=" + llvm::join(features, ",")};
    if (j == 0)
      args.push_back("--runtime");
    if (!schedule.empty())
      args.push_back("--schedule=" + schedule);
    if (autoschedule)
      args.push_back("--autoschedule");
    llvm::SmallVector<llvm::StringRef> refs(args.begin(), args.end());
    std::string errPath = base + ".err";
    std::optional<llvm::StringRef> redirects[] = {
        std::nullopt, std::nullopt, llvm::StringRef(errPath)};
    bool failed = false;
    llvm::sys::ProcessInfo p = llvm::sys::ExecuteNoWait(
        tool, refs, std::nullopt, redirects, 0, &error, &failed);
    if (failed) {
      error = "xfc: error: cannot run " + tool + ": " + error;
      return false;
    }
    errorFiles.push_back(errPath);
    processes.push_back(p);
  }
  return true;
}

bool HalideKernelBuild::finish(std::vector<std::string> &objects,
                               std::string &error, bool &userError) {
  bool ok = true;
  for (size_t i = 0; i < processes.size(); ++i) {
    std::string message;
    llvm::sys::ProcessInfo done =
        llvm::sys::Wait(processes[i], std::nullopt, &message);
    if (done.ReturnCode == 0 || !ok)
      continue;
    ok = false;
    // Its error line; anything else on stderr (a sanitizer's warnings in
    // an instrumented build) is not the message.
    auto text = llvm::MemoryBuffer::getFile(errorFiles[i]);
    std::string out = text ? (*text)->getBuffer().trim().str() : message;
    size_t at = out.rfind("xf-halide: error: ");
    if (at != std::string::npos)
      out = llvm::StringRef(out).substr(at).split('\n').first.str();
    userError = done.ReturnCode == 1;
    error = out.empty() ? "xf-halide failed (status " +
                              std::to_string(done.ReturnCode) + ")"
                        : out;
  }
  processes.clear();
  if (!ok)
    return false;
  for (const std::string &name : names)
    objects.push_back(scratch + "/" + name + ".o");
  objects.push_back(scratch + "/halide_runtime.o");
  return true;
}
