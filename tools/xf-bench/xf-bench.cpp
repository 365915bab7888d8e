//===- xf-bench.cpp - Times an entry point of a compiled model ------------===//
//
// `xf-bench OUT/ --weights W.safetensors [--entry forward]
//  --input NAME=@file.npy ... [--reps N] [--warmup N] [--threads N]`
// loads the library once, runs the entry `warmup` times, then `reps` timed
// times, and prints one JSON line: entry, reps, threads (0: all cores),
// median_ms, min_ms, max_ms, load_ms, peak_rss_mb. Exit status: 0 success,
// 1 a user error.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Npy.h"
#include "tools/Flags.h"
#include "tools/RunTools.h"
#include "xf/runtime.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <map>

namespace cl = llvm::cl;

/// The flags --help lists (LLVM's own options stay hidden).
static cl::OptionCategory category("xf-bench options");

static cl::opt<std::string> dir(cl::Positional, cl::cat(category),
                                cl::desc("<OUT/>"), cl::Required);
static cl::opt<std::string> weights("weights", cl::cat(category),
                                    cl::desc("Weights (.safetensors)"),
                                    cl::Required);
static cl::opt<std::string> entry("entry", cl::cat(category),
                                  cl::desc("Entry point"), cl::init("forward"));
static cl::list<std::string> inputs("input", cl::cat(category),
                                    cl::desc("NAME=@file.npy"));
static cl::opt<int> deviceIndex(
    "device", cl::cat(category),
    cl::desc("GPU libraries: CUDA device ordinal or Vulkan device index"),
    cl::init(0));
static cl::opt<unsigned> reps("reps", cl::cat(category), cl::desc("Timed runs"),
                              cl::init(10));
static cl::opt<unsigned> warmup("warmup", cl::cat(category),
                                cl::desc("Untimed runs"), cl::init(1));

static int fail(const std::string &message) {
  llvm::errs() << "xf-bench: error: " << message << "\n";
  return 1;
}

static std::string statusText(xf_status *s) {
  std::string m = xf_status_message(s);
  xf_status_free(s);
  return m;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::string flagError;
  int numThreads = xf::tools::takeThreadsFlag(argc, argv, flagError);
  if (numThreads < 0)
    return fail(flagError);
  if (!xf::tools::parseFlags(
          argc, argv, category,
          "xf-bench: time an entry point, print one JSON line\n\n"
          "  --threads=<N> worker threads (default: all cores)\n"))
    return 1;
  std::string library = xf::tools::findLibrary(dir);
  if (library.empty())
    return fail("no lib<model>.so in '" + dir + "'");

  auto t0 = std::chrono::steady_clock::now();
  xf_model *model = nullptr;
  if (xf_status *s = xf_model_load_on_device(library.c_str(), weights.c_str(),
                                             deviceIndex, &model))
    return fail(statusText(s));
  if (xf_status *s = xf_model_set_threads(model, numThreads))
    return fail(statusText(s));
  double loadMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - t0)
                      .count();

  const char *const *names = nullptr;
  size_t count = 0;
  if (xf_status *s =
          xf_model_entry_inputs(model, entry.c_str(), &names, &count))
    return fail(statusText(s));
  std::map<std::string, xf::rt::NpyArray> arrays;
  for (const std::string &arg : inputs) {
    size_t eq = arg.find("=@");
    if (eq == std::string::npos)
      return fail("--input expects NAME=@FILE, found '" + arg + "'");
    std::string error;
    xf::rt::NpyArray a;
    if (!xf::rt::readNpy(arg.substr(eq + 2), a, error))
      return fail(error);
    arrays[arg.substr(0, eq)] = std::move(a);
  }
  std::vector<xf_tensor> tensors;
  for (size_t i = 0; i < count; ++i) {
    auto it = arrays.find(names[i]);
    if (it == arrays.end())
      return fail(std::string("missing --input ") + names[i] + "=@FILE");
    xf_tensor t{};
    t.dtype = it->second.isFloat ? XF_F32 : XF_I64;
    t.rank = static_cast<int32_t>(it->second.shape.size());
    std::copy(it->second.shape.begin(), it->second.shape.end(), t.shape);
    t.data = it->second.isFloat ? static_cast<void *>(it->second.f.data())
                                : it->second.i.data();
    tensors.push_back(t);
  }

  std::vector<double> times;
  for (unsigned r = 0; r < warmup + reps; ++r) {
    xf_tensor out{};
    auto start = std::chrono::steady_clock::now();
    if (xf_status *s = xf_model_run(model, entry.c_str(), tensors.data(),
                                    tensors.size(), &out))
      return fail(statusText(s));
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    free(out.data);
    if (r >= warmup)
      times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  double median =
      times.empty() ? 0
      : times.size() % 2
          ? times[times.size() / 2]
          : (times[times.size() / 2 - 1] + times[times.size() / 2]) / 2;
  // Peak resident memory of the whole process (weights mapped in included).
  long peakKb = 0;
  if (FILE *status = fopen("/proc/self/status", "r")) {
    char line[256];
    while (fgets(line, sizeof line, status))
      if (sscanf(line, "VmHWM: %ld kB", &peakKb) == 1)
        break;
    fclose(status);
  }
  llvm::outs() << "{\"entry\": \"" << entry << "\", \"reps\": " << times.size()
               << ", \"threads\": " << numThreads
               << llvm::format(", \"median_ms\": %.3f, \"min_ms\": %.3f, "
                               "\"max_ms\": %.3f, \"load_ms\": %.1f, "
                               "\"peak_rss_mb\": %.1f}\n",
                               median, times.empty() ? 0 : times.front(),
                               times.empty() ? 0 : times.back(), loadMs,
                               peakKb / 1024.0);
  xf_model_free(model);
  return 0;
}
