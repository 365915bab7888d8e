//===- xfc.cpp - The xfc compiler driver ----------------------------------===//
//
// Parses flags and calls the Driver library (which the tests call too).
// Exit status: 0 success, 1 a user error (one `error:` line), 2 an internal
// failure.
//
//===----------------------------------------------------------------------===//

#include "compiler/Driver.h"
#include "tools/Flags.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;

/// The flags --help lists (LLVM's own options stay hidden).
static cl::OptionCategory category("xfc options");

static cl::opt<std::string>
    inputFile(cl::Positional, cl::cat(category),
              cl::desc("<model.xf | module.mlir | Hugging Face directory>"));
static cl::opt<std::string>
    hfDir("hf", cl::cat(category),
          cl::desc("A Hugging Face model directory (config.json, "
                   "model.safetensors) to compile"),
          cl::value_desc("DIR"), cl::init(""));
static cl::list<std::string>
    sets("set", cl::cat(category),
         cl::desc("Override a hyperparameter: --set KEY=VALUE"),
         cl::value_desc("KEY=VALUE"));
static cl::opt<std::string>
    emit("emit", cl::cat(category),
         cl::desc("ast | xf | fused | gpu | ptx | spirv | llvm | obj | lib "
                  "(default)"),
         cl::init("lib"));
static cl::opt<std::string>
    outputPath("o", cl::cat(category),
               cl::desc("Output: a directory for lib, else a file"),
               cl::value_desc("PATH"), cl::init("-"));
static cl::opt<std::string> cpu("cpu", cl::cat(category),
                                cl::desc("LLVM CPU name, or host"),
                                cl::init("host"));
static cl::opt<std::string> target("target", cl::cat(category),
                                   cl::desc("cpu (default) | cuda | vulkan"),
                                   cl::init("cpu"));
static cl::opt<std::string>
    gpuArch("gpu-arch", cl::cat(category),
            cl::desc("CUDA architecture (default sm_80)"),
            cl::value_desc("sm_NN"), cl::init(""));
static cl::opt<bool> printIRAfterAll("print-ir-after-all", cl::cat(category),
                                     cl::desc("Print the IR after every pass"));
static cl::opt<bool> timings("timings", cl::cat(category),
                             cl::desc("Report each phase's time"));
static cl::opt<std::string>
    noFuse("no-fuse", cl::cat(category),
           cl::desc("Turn off: attention,transpose,epilogue"),
           cl::value_desc("LIST"), cl::init(""));
static cl::opt<std::string>
    precision("precision", cl::cat(category),
              cl::desc("The linear layers' weights: fp32 (default), bf16, "
                       "int8 (CPU only)"),
              cl::value_desc("P"), cl::init("fp32"));
static cl::opt<std::string>
    kernels("kernels", cl::cat(category),
            cl::desc("Who writes the fused kernels: mlir (default), halide, "
                     "or halide:CLASS,... (matmul, attention, norm, "
                     "elementwise, embedding, positions)"),
            cl::value_desc("K"), cl::init("mlir"));
static cl::opt<std::string>
    halideSchedule("halide-schedule", cl::cat(category),
                   cl::desc("Schedule knobs for the Halide kernels "
                            "(KIND.KNOB=N lines; docs/halide.md)"),
                   cl::value_desc("FILE"), cl::init(""));
static cl::opt<bool> halideAutoschedule(
    "halide-autoschedule", cl::cat(category),
    cl::desc("Schedule the Halide kernels with Halide's Mullapudi2016 "
             "autoscheduler instead of the hand-written schedules"));
static cl::opt<bool>
    profile("profile", cl::cat(category),
            cl::desc("Time every kernel of the library (CPU): xf-bench "
                     "--profile, xf_model_profile"));
static cl::opt<bool>
    explainFusion("explain-fusion", cl::cat(category),
                  cl::desc("One line per fusion candidate: fused, or why not"));

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Flag errors are user errors: exit 1 with one `error:` line.
  if (!xf::tools::parseFlags(argc, argv, category,
                             "xfc: Transformer compiler\n"))
    return 1;
  auto fail = [](const std::string &message) {
    llvm::errs() << message << "\n";
    return 1;
  };
  if (inputFile.empty() == hfDir.empty())
    return fail(hfDir.empty()
                    ? "xfc: error: no input (expected a .xf description, a "
                      ".mlir module or --hf DIR)"
                    : "xfc: error: --hf DIR and an input file exclude each "
                      "other");
  if (!hfDir.empty() && !llvm::sys::fs::is_directory(hfDir))
    return fail("xfc: error: --hf " + hfDir + ": not a directory");
  mlir::xf::CompileOptions options;
  options.input = hfDir.empty() ? std::string(inputFile) : std::string(hfDir);
  options.output = outputPath;
  options.target.cpu = cpu;
  options.printIRAfterAll = printIRAfterAll;
  options.timings = timings;
  // The runtime that goes into every library comes from xfc's own tree.
  options.runtimeRoot =
      mlir::xf::runtimeRootOf(argv[0], reinterpret_cast<void *>(&main));
  options.explainFusion = explainFusion;
  std::string error;
  if (!mlir::xf::applyNoFuse(noFuse, options, error))
    return fail(error);
  if (!mlir::xf::parseEmitKind(emit, options.emit))
    return fail("xfc: error: unknown --emit=" + emit +
                " (expected ast, xf, fused, gpu, ptx, spirv, llvm, obj, lib "
                "or description)");
  if (!mlir::xf::applyTarget(target, gpuArch, options, error) ||
      !mlir::xf::applyPrecision(precision, options, error) ||
      !mlir::xf::applyKernels(kernels, options, error))
    return fail(error);
  if ((!halideSchedule.empty() || halideAutoschedule) &&
      options.halideKernels.empty())
    return fail("xfc: error: --halide-schedule and --halide-autoschedule "
                "need --kernels=halide");
  if (!halideSchedule.empty() && halideAutoschedule)
    return fail("xfc: error: --halide-schedule and --halide-autoschedule "
                "exclude each other");
  if (!halideSchedule.empty() && !llvm::sys::fs::is_regular_file(halideSchedule))
    return fail("xfc: error: --halide-schedule=" + halideSchedule +
                ": no such file");
  options.halideSchedule = halideSchedule;
  options.halideAutoschedule = halideAutoschedule;
  if (profile && options.gpu)
    return fail("xfc: error: --profile is for --target=cpu");
  options.profile = profile;
  for (const std::string &s : sets) {
    xf::parse::Override o;
    if (!xf::parse::parseOverride(s, o))
      return fail("xfc: error: --set expects KEY=VALUE, found '" + s + "'");
    options.sets.push_back(o);
  }
  mlir::xf::CompileResult result = mlir::xf::compile(options);
  if (result.status != 0 && !result.message.empty())
    llvm::errs() << result.message << "\n";
  return result.status;
}
