//===- xf-bench.cpp - Times an entry point of a compiled model ------------===//
//
// `xf-bench OUT/ --weights W.safetensors [--entry forward]
//  --input NAME=@file.npy ... [--reps N] [--warmup N] [--threads N]`
// loads the library once, runs the entry `warmup` times, then `reps` timed
// times, and prints one JSON line: entry, reps, threads (0: all cores),
// median_ms, min_ms, max_ms, load_ms, peak_rss_mb, copied_weights_mb and
// resident_weights_mb (xf_model_copied/resident_weight_bytes). With
// --generate-context C it times generation instead: a prefill of C tokens
// and single-token steps after it (per-token latency and tokens/s of
// each). With --profile (a library compiled with `xfc --profile`) it
// first prints where the timed runs (the steps, with --generate-context)
// spent their time: a Markdown table by op class, then the costliest
// kernels; --trace FILE.json writes each kernel call of them as a Chrome
// trace. Exit status: 0 success, 1 a user error.
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Json.h"
#include "runtime/io/Npy.h"
#include "tools/Flags.h"
#include "tools/RunTools.h"
#include "xf/runtime.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <numeric>

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
static cl::opt<bool>
    profile("profile", cl::cat(category),
            cl::desc("Print the timed runs' profile by op class and kernel "
                     "(a library compiled with xfc --profile)"));
static cl::opt<std::string>
    trace("trace", cl::cat(category), cl::value_desc("FILE.json"),
          cl::desc("Write every kernel call of the timed runs as a Chrome "
                   "trace (Perfetto, chrome://tracing; a --profile library)"));
static cl::opt<unsigned> warmup("warmup", cl::cat(category),
                                cl::desc("Untimed runs"), cl::init(1));
static cl::opt<int64_t> generateContext(
    "generate-context", cl::cat(category),
    cl::desc("Time generation instead of an entry: a prefill of C tokens "
             "into a fresh generation state, then single-token steps at "
             "context C (C+1, ...); --input gives the source of a model with "
             "memory"),
    cl::value_desc("C"), cl::init(0));

static int fail(const std::string &message) {
  llvm::errs() << "xf-bench: error: " << message << "\n";
  return 1;
}

static std::string statusText(xf_status *s) {
  std::string m = xf_status_message(s);
  xf_status_free(s);
  return m;
}

static double median(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  if (times.empty())
    return 0;
  size_t n = times.size();
  return n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
}

static double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

/// Everything `get` (xf_model_profile, xf_model_profile_events) returns:
/// asked for its count, then for the items.
template <typename T>
static xf_status *fetchAll(xf_status *(*get)(const xf_model *, T *, size_t,
                                             size_t *),
                           const xf_model *model, std::vector<T> &out) {
  size_t count = 0;
  if (xf_status *s = get(model, nullptr, 0, &count))
    return s;
  out.resize(count);
  return get(model, out.data(), count, &count);
}

/// Writes the recorded kernel calls to `path` as Chrome trace events
/// ("X" events in microseconds from the first call; one track per calling
/// thread); false with `error` on a failure.
static bool writeTrace(xf_model *model, const std::string &path,
                       std::string &error) {
  auto fromStatus = [&](xf_status *s) {
    error = statusText(s);
    return false;
  };
  if (xf_status *s = xf_model_profile_trace(model, 0))
    return fromStatus(s);
  std::vector<xf_profile_region> regions;
  std::vector<xf_profile_event> events;
  if (xf_status *s = fetchAll(xf_model_profile, model, regions))
    return fromStatus(s);
  if (xf_status *s = fetchAll(xf_model_profile_events, model, events))
    return fromStatus(s);
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec);
  if (ec) {
    error = "cannot write --trace " + path + ": " + ec.message();
    return false;
  }
  int64_t origin = INT64_MAX;
  for (const xf_profile_event &e : events)
    origin = std::min(origin, e.start_ns);
  llvm::json::OStream json(out);
  json.object([&] {
    json.attribute("displayTimeUnit", "ms");
    json.attributeArray("traceEvents", [&] {
      for (const xf_profile_event &e : events) {
        const xf_profile_region &r = regions[size_t(e.region)];
        json.object([&] {
          json.attribute("name", std::string(r.ops) + " " + r.location);
          json.attribute("cat", r.op_class);
          json.attribute("ph", "X");
          json.attribute("ts", (e.start_ns - origin) / 1e3);
          json.attribute("dur", (e.end_ns - e.start_ns) / 1e3);
          json.attribute("pid", 1);
          json.attribute("tid", e.thread);
        });
      }
    });
  });
  out << "\n";
  return true;
}

/// The profile of the timed runs `times` (ms): per op class and the ten
/// costliest kernels, per run, as Markdown tables.
static xf_status *printProfile(xf_model *model,
                               const std::vector<double> &times) {
  std::vector<xf_profile_region> regions;
  if (xf_status *s = fetchAll(xf_model_profile, model, regions))
    return s;
  double runs = double(times.size());
  double wallMs = std::accumulate(times.begin(), times.end(), 0.0) / runs;
  struct Sum {
    double ms = 0, flops = 0, countedNs = 0;
    uint64_t calls = 0, kernels = 0;
  };
  // GFLOP/s over the kernels whose flops are counted (linear layers).
  auto gflops = [](double flops, double ns) {
    return flops > 0 ? llvm::formatv("{0:f1}", flops / ns).str()
                     : std::string("-");
  };
  std::map<std::string, Sum> byClass;
  double timedMs = 0;
  for (const xf_profile_region &r : regions) {
    Sum &sum = byClass[r.op_class];
    double ms = r.nanoseconds / 1e6 / runs;
    sum.ms += ms;
    sum.calls += r.calls;
    sum.kernels += r.calls ? 1 : 0;
    if (r.flops) {
      sum.flops += double(r.flops);
      sum.countedNs += double(r.nanoseconds);
    }
    timedMs += ms;
  }
  llvm::outs() << llvm::format(
      "Profile of %u runs: %.3f ms a run (mean), %.3f ms of it in timed "
      "kernels\n\n",
      unsigned(times.size()), wallMs, timedMs);
  llvm::outs() << "| op class | ms a run | % of the run | GFLOP/s | kernel "
                  "calls a run | kernels that ran |\n|---|---|---|---|---|---|"
                  "\n";
  std::vector<std::pair<std::string, Sum>> classes(byClass.begin(),
                                                   byClass.end());
  std::sort(classes.begin(), classes.end(),
            [](auto &a, auto &b) { return a.second.ms > b.second.ms; });
  for (auto &[name, sum] : classes)
    if (sum.calls)
      llvm::outs() << llvm::format(
          "| %s | %.3f | %.1f | %s | %.1f | %llu |\n", name.c_str(), sum.ms,
          100 * sum.ms / wallMs, gflops(sum.flops, sum.countedNs).c_str(),
          sum.calls / runs, (unsigned long long)sum.kernels);
  llvm::outs() << llvm::format(
      "| (untimed: entry glue, copies) | %.3f | %.1f | | | |\n\n",
      wallMs - timedMs, 100 * (wallMs - timedMs) / wallMs);
  std::vector<const xf_profile_region *> order;
  for (const xf_profile_region &r : regions)
    order.push_back(&r);
  std::sort(order.begin(), order.end(), [](auto *a, auto *b) {
    return a->nanoseconds > b->nanoseconds;
  });
  llvm::outs() << "| costliest kernels | class | ops | ms a run | GFLOP/s | "
                  "calls a run |\n|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < order.size() && i < 10; ++i)
    llvm::outs() << llvm::format(
        "| %s | %s | %s | %.3f | %s | %.1f |\n", order[i]->location,
        order[i]->op_class, order[i]->ops, order[i]->nanoseconds / 1e6 / runs,
        gflops(double(order[i]->flops), double(order[i]->nanoseconds))
            .c_str(),
        order[i]->calls / runs);
  llvm::outs() << "\n";
  return nullptr;
}

/// Starts the profile (and trace) of the timed runs, when asked for.
static xf_status *startProfile(xf_model *model) {
  if (!profile && trace.empty())
    return nullptr;
  if (xf_status *s = xf_model_profile_reset(model))
    return s;
  return trace.empty() ? nullptr : xf_model_profile_trace(model, 1);
}

/// Prints the profile of the timed runs `times` and writes the trace, when
/// asked for; false with `error`.
static bool finishProfile(xf_model *model, const std::vector<double> &times,
                          std::string &error) {
  if (profile && !times.empty())
    if (xf_status *s = printProfile(model, times)) {
      error = statusText(s);
      return false;
    }
  return trace.empty() || writeTrace(model, trace, error);
}

/// --generate-context C: the prefill of C tokens (median over runs, each on
/// a reset state) and single-token steps after it, as one JSON line. Token
/// ids cycle through 1..vocab-1; a model with memory encodes `source` first
/// (untimed).
static int benchGeneration(xf_model *model, const xf::rt::NpyArray *source,
                           int numThreads, double loadMs) {
  const int64_t context = generateContext;
  std::string manifestText = xf_model_manifest(model), error;
  xf::rt::Json manifest;
  if (!xf::rt::parseJson(manifestText.data(),
                         manifestText.data() + manifestText.size(), manifest,
                         error))
    return fail(error);
  const xf::rt::Json *gen = manifest.get(XF_KEY_GENERATION);
  const xf::rt::Json *vocab = gen ? gen->get(XF_KEY_VOCAB) : nullptr;
  const xf::rt::Json *memoryIds = gen ? gen->get(XF_KEY_MEMORY_IDS) : nullptr;
  if (!vocab || !memoryIds)
    return fail("the library has no generation entries");
  bool hasSource = !memoryIds->string.empty();
  if (hasSource != (source != nullptr))
    return fail(hasSource ? "give the source: --input " + memoryIds->string +
                                "=@FILE"
                          : std::string("the model has no source; drop --input"));
  const int64_t batch = source ? source->shape[0] : 1;
  xf_generation *state = nullptr;
  if (xf_status *s = xf_generation_create(model, batch,
                                          context + warmup + reps, &state))
    return fail(statusText(s));
  std::vector<int64_t> prompt(batch * context), next(batch, 1);
  for (size_t k = 0; k < prompt.size(); ++k)
    prompt[k] = 1 + int64_t(k) % (vocab->asInt() - 1);
  xf_tensor src{};
  if (source) {
    src.dtype = XF_I64;
    src.rank = 2;
    src.shape[0] = source->shape[0];
    src.shape[1] = source->shape[1];
    src.data = const_cast<int64_t *>(source->i.data());
  }
  auto append = [&](std::vector<int64_t> &ids, int64_t len) -> xf_status * {
    xf_tensor t{};
    t.dtype = XF_I64;
    t.rank = 2;
    t.shape[0] = batch;
    t.shape[1] = len;
    t.data = ids.data();
    xf_tensor out{};
    xf_status *s = xf_generation_append(state, &t, nullptr, &out);
    free(out.data);
    return s;
  };
  std::vector<double> prefill, steps;
  for (unsigned r = 0; r < warmup + reps; ++r) {
    xf_generation_reset(state);
    if (source)
      if (xf_status *s = xf_generation_encode(state, &src))
        return fail(statusText(s));
    auto start = std::chrono::steady_clock::now();
    if (xf_status *s = append(prompt, context))
      return fail(statusText(s));
    if (r >= warmup)
      prefill.push_back(msSince(start));
  }
  // The profile and trace cover the timed steps.
  for (unsigned r = 0; r < warmup + reps; ++r) {
    if (r == warmup)
      if (xf_status *s = startProfile(model))
        return fail(statusText(s));
    auto start = std::chrono::steady_clock::now();
    if (xf_status *s = append(next, 1))
      return fail(statusText(s));
    if (r >= warmup)
      steps.push_back(msSince(start));
  }
  xf_generation_free(state);
  if (!finishProfile(model, steps, error))
    return fail(error);
  double prefillMs = median(prefill), stepMs = median(steps);
  llvm::outs() << "{\"mode\": \"generate\", \"batch\": " << batch
               << ", \"context\": " << context << ", \"reps\": " << reps
               << ", \"threads\": " << numThreads
               << llvm::format(
                      ", \"prefill_ms\": %.3f, \"prefill_tokens_per_s\": %.1f, "
                      "\"step_median_ms\": %.3f, \"step_mean_ms\": %.3f, "
                      "\"step_min_ms\": %.3f, "
                      "\"step_tokens_per_s\": %.1f, \"load_ms\": %.1f}\n",
                      prefillMs, batch * context / (prefillMs / 1000), stepMs,
                      std::accumulate(steps.begin(), steps.end(), 0.0) /
                          steps.size(),
                      *std::min_element(steps.begin(), steps.end()),
                      batch / (stepMs / 1000), loadMs);
  return 0;
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
  // Freed on every return, errors included.
  std::unique_ptr<xf_model, void (*)(xf_model *)> owner(model, xf_model_free);
  if (xf_status *s = xf_model_set_threads(model, numThreads))
    return fail(statusText(s));
  double loadMs = std::chrono::duration<double, std::milli>(
                      std::chrono::steady_clock::now() - t0)
                      .count();

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
  if (generateContext.getNumOccurrences()) {
    if (generateContext < 1 || reps < 1)
      return fail("--generate-context and --reps must be at least 1");
    if (arrays.size() > 1)
      return fail("--generate-context takes at most one --input (the source)");
    const xf::rt::NpyArray *source =
        arrays.empty() ? nullptr : &arrays.begin()->second;
    if (source && (source->isFloat || source->shape.size() != 2))
      return fail("the source must be int64 token ids [batch, length]");
    return benchGeneration(model, source, numThreads, loadMs);
  }
  const char *const *names = nullptr;
  size_t count = 0;
  if (xf_status *s =
          xf_model_entry_inputs(model, entry.c_str(), &names, &count))
    return fail(statusText(s));
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
    if (r == warmup)
      if (xf_status *s = startProfile(model))
        return fail(statusText(s));
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
  std::string error;
  if (!finishProfile(model, times, error))
    return fail(error);
  std::sort(times.begin(), times.end());
  double runMedian = median(times);
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
                               "\"peak_rss_mb\": %.1f, "
                               "\"copied_weights_mb\": %.1f, "
                               "\"resident_weights_mb\": %.1f}\n",
                               runMedian, times.empty() ? 0 : times.front(),
                               times.empty() ? 0 : times.back(), loadMs,
                               peakKb / 1024.0,
                               xf_model_copied_weight_bytes(model) / 1048576.0,
                               xf_model_resident_weight_bytes(model) /
                                   1048576.0);
  return 0;
}
