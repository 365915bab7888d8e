//===- xf-halide.cpp - Compiles xfc's Halide kernels to objects -----------===//
//
//   xf-halide SPECS -o DIR --cpu-features=LIST [--schedule=FILE]
//             [--autoschedule] [--runtime]
//
// Reads kernel spec lines (halide/KernelSpec.h; xfc writes them), builds
// each pipeline (halide/), and compiles it ahead of time into DIR/NAME.o for
// x86-64 Linux with the Halide features that LIST (LLVM's feature names, as
// the manifest records them) allows; --runtime also writes Halide's runtime
// once, DIR/halide_runtime.o. A process of its own: Halide carries LLVM 14,
// xfc links LLVM 22, and neither loads into the other's process. Exit
// status: 0 success, 1 an error (one `xf-halide: error:` line).
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

using namespace xf::halide;

namespace {

int fail(const std::string &message) {
  std::cerr << "xf-halide: error: " << message << "\n";
  return 1;
}

bool readFile(const std::string &path, std::string &text) {
  std::ifstream in(path);
  if (!in)
    return false;
  std::ostringstream os;
  os << in.rdbuf();
  text = os.str();
  return true;
}

/// The Halide target for x86-64 Linux with what `features` (LLVM names)
/// has: each AVX-512 generation only when all of its parts are there.
Halide::Target targetFor(const std::set<std::string> &f) {
  Halide::Target t("x86-64-linux");
  auto has = [&](std::initializer_list<const char *> names) {
    for (const char *n : names)
      if (!f.count(n))
        return false;
    return true;
  };
  if (has({"sse4.1"}))
    t.set_feature(Halide::Target::SSE41);
  if (has({"avx"}))
    t.set_feature(Halide::Target::AVX);
  if (has({"avx2"}))
    t.set_feature(Halide::Target::AVX2);
  if (has({"fma"}))
    t.set_feature(Halide::Target::FMA);
  if (has({"f16c"}))
    t.set_feature(Halide::Target::F16C);
  if (has({"avx512f", "avx512cd"}))
    t.set_feature(Halide::Target::AVX512);
  if (has({"avx512f", "avx512cd", "avx512vl", "avx512bw", "avx512dq"}))
    t.set_feature(Halide::Target::AVX512_Skylake);
  if (has({"avx512f", "avx512cd", "avx512vl", "avx512bw", "avx512dq",
           "avx512ifma", "avx512vbmi"}))
    t.set_feature(Halide::Target::AVX512_Cannonlake);
  return t;
}

} // namespace

int main(int argc, char **argv) {
  std::string specPath, outDir, schedulePath;
  std::set<std::string> features;
  bool autoschedule = false, runtime = false, haveFeatures = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o" && i + 1 < argc)
      outDir = argv[++i];
    else if (a.rfind("--cpu-features=", 0) == 0) {
      haveFeatures = true;
      std::istringstream list(a.substr(15));
      for (std::string w; std::getline(list, w, ',');)
        if (!w.empty())
          features.insert(w[0] == '+' ? w.substr(1) : w);
    } else if (a.rfind("--schedule=", 0) == 0)
      schedulePath = a.substr(11);
    else if (a == "--autoschedule")
      autoschedule = true;
    else if (a == "--runtime")
      runtime = true;
    else if (a == "-h" || a == "--help") {
      std::cout << "usage: xf-halide SPECS -o DIR --cpu-features=LIST "
                   "[--schedule=FILE] [--autoschedule] [--runtime]\n";
      return 0;
    } else if (!a.empty() && a[0] != '-' && specPath.empty())
      specPath = a;
    else
      return fail("unknown argument '" + a + "'");
  }
  if (specPath.empty() || outDir.empty() || !haveFeatures)
    return fail("usage: xf-halide SPECS -o DIR --cpu-features=LIST "
                "[--schedule=FILE] [--autoschedule] [--runtime]");
  std::string specText, scheduleText, error;
  if (!readFile(specPath, specText))
    return fail("cannot read '" + specPath + "'");
  if (!schedulePath.empty() && !readFile(schedulePath, scheduleText))
    return fail("cannot read '" + schedulePath + "'");
  ScheduleKnobs knobs;
  if (!knobs.parse(scheduleText, error))
    return fail(schedulePath + ": " + error);
  if (autoschedule && !scheduleText.empty())
    return fail("--schedule and --autoschedule exclude each other");

  Halide::Target target = targetFor(features);
  try {
    if (autoschedule) {
      std::string plugin = XF_HALIDE_AUTOSCHEDULER;
      if (plugin.empty() || plugin.find("NOTFOUND") != std::string::npos)
        return fail("--autoschedule: Halide's Mullapudi2016 autoscheduler "
                    "(libautoschedule_mullapudi2016.so) was not found when "
                    "xf-halide was built");
      Halide::load_plugin(plugin);
    }
    std::istringstream lines(specText);
    std::set<std::string> kinds;
    for (std::string line; std::getline(lines, line);) {
      if (line.find_first_not_of(" \t") == std::string::npos)
        continue;
      KernelSpec spec;
      BuiltKernel kernel;
      if (!parseKernelSpec(line, spec, error) ||
          !buildKernel(spec, target, {&knobs, autoschedule}, kernel, error))
        return fail(specPath + ": " + error);
      kinds.insert(spec.kind == "rms_norm" || spec.kind == "layer_norm"
                       ? "norm"
                   : spec.kind == "sinusoid" || spec.kind == "rope"
                       ? "positions"
                       : spec.kind);
      if (autoschedule)
        kernel.pipeline.auto_schedule(
            "Mullapudi2016", target,
            Halide::MachineParams(int(std::max(1u, std::thread::hardware_concurrency())),
                                  2 * 1024 * 1024, 40));
      kernel.pipeline.compile_to_object(
          outDir + "/" + spec.name + ".o", kernel.arguments, spec.name,
          target.with_feature(Halide::Target::NoRuntime));
    }
    for (const std::string &knob : knobs.unused())
      if (kinds.count(knob.substr(0, knob.find('.'))))
        return fail(schedulePath + ": unknown knob '" + knob + "'");
    if (runtime)
      Halide::compile_standalone_runtime(outDir + "/halide_runtime.o", target);
  } catch (const Halide::Error &e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' '))
      what.pop_back();
    for (char &c : what)
      if (c == '\n')
        c = ' ';
    return fail("Halide: " + what);
  }
  return 0;
}
