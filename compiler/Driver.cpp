//===- Driver.cpp - xfc's compilation, callable from tools and tests ------===//
//
// The phases, in order; each --emit stage stops after its phase:
//   ast   frontend: parse and check the description
//   xf    MLIRGen: unfused xf IR
//   fused xf optimization pipeline (transposes folded, attention and
//         epilogues fused)
//   gpu   (--target=cuda|vulkan) host functions launching the outlined
//         kernels of gpu.module @xf_kernels
//   ptx / spirv  the kernels for the device: PTX text (CUDA), or the SPIR-V
//         dialect (Vulkan; the library embeds its binary form)
//   llvm  lowering to the LLVM dialect, translation, O3 → LLVM IR
//   obj   object file
//   lib   lib<model>.so + <model>.h + <model>.json (+ xf/runtime.h)
//
//===----------------------------------------------------------------------===//

#include "compiler/Driver.h"
#include "frontend/HF/ImportHF.h"
#include "frontend/Parse/Parser.h"
#include "codegen/CPU/KernelConfig.h"
#include "codegen/CPU/Pipeline.h"
#include "codegen/GPU/Pipeline.h"
#include "codegen/Passes.h"
#include "codegen/Target/EntryWrappers.h"
#include "codegen/Target/Linker.h"
#include "compiler/Artifacts.h"
#include "compiler/HalideKernels.h"
#include "compiler/ParseIR.h"
#include "compiler/RegisterXf.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "passes/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <chrono>
#include <sstream>
#include <thread>

using namespace mlir;
using namespace mlir::xf;

namespace {

/// Prints each phase's wall time when --timings is on.
class PhaseTimer {
public:
  explicit PhaseTimer(bool enabled) : enabled(enabled) {}
  void done(const char *phase) {
    auto now = std::chrono::steady_clock::now();
    if (enabled)
      llvm::errs() << llvm::format(
          "xfc: %-26s %8.1f ms\n", phase,
          std::chrono::duration<double, std::milli>(now - last).count());
    total += now - last;
    last = now;
  }
  ~PhaseTimer() {
    if (enabled)
      llvm::errs() << llvm::format(
          "xfc: %-26s %8.1f ms\n", "total",
          std::chrono::duration<double, std::milli>(total).count());
  }

private:
  bool enabled;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration total{};
};

CompileResult userError(std::string message) { return {1, std::move(message)}; }
CompileResult internalError(std::string message) {
  return {2, "xfc: internal error: " + std::move(message)};
}

/// The runtime a library links and the headers its directory gets, under
/// `root` (see CompileOptions::runtimeRoot); false with `error` naming the
/// first file missing.
struct RuntimeFiles {
  std::vector<std::string> archives, headers;
  std::vector<std::string> linkFlags; ///< lib/xfc/link-flags.txt
};
bool findRuntime(const std::string &root, RuntimeFiles &out,
                 std::string &error) {
  out.archives = {root + "/lib/xfc/libXfRuntime.a",
                  root + "/lib/xfc/libXfRuntimeIO.a"};
  out.headers = {root + "/include/xf/runtime.h", root + "/include/xf/abi.h"};
  for (const auto *list : {&out.archives, &out.headers})
    for (const std::string &path : *list)
      if (!llvm::sys::fs::is_regular_file(path)) {
        error = "xfc: error: the xfc runtime is incomplete: " + path +
                " is missing (xfc looks for lib/xfc/ and include/xf/ in " +
                (root.empty() ? std::string("<unknown>") : root) +
                ", the parent of its own directory)";
        return false;
      }
  // A sanitizer build's runtime says how libraries linking it are linked.
  if (auto flags =
          llvm::MemoryBuffer::getFile(root + "/lib/xfc/link-flags.txt")) {
    SmallVector<StringRef> words;
    (*flags)->getBuffer().split(words, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef w : words)
      if (!w.trim().empty())
        out.linkFlags.push_back(w.trim().str());
  }
  return true;
}

/// Writes `text` to `path` ("-" is stdout).
bool writeText(const std::string &path, StringRef text, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    error = "xfc: error: cannot write '" + path + "': " + ec.message();
    return false;
  }
  os << text;
  return true;
}

std::string printModule(ModuleOp module) {
  std::string s;
  llvm::raw_string_ostream os(s);
  module->print(os, OpPrintingFlags()
                        .enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
                        .useLocalScope());
  os << "\n";
  return s;
}

LogicalResult runPasses(ModuleOp module, const CompileOptions &options,
                        function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  if (options.printIRAfterAll) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting();
  }
  build(pm);
  return pm.run(module);
}

} // namespace

bool mlir::xf::applyNoFuse(const std::string &list, CompileOptions &options,
                           std::string &error) {
  SmallVector<StringRef> names;
  StringRef(list).split(names, ',', -1, /*KeepEmpty=*/false);
  for (StringRef name : names) {
    if (name == "attention")
      options.fuseAttention = false;
    else if (name == "transpose")
      options.foldTranspose = false;
    else if (name == "epilogue")
      options.fuseEpilogue = false;
    else {
      error = "xfc: error: unknown --no-fuse=" + name.str() +
              " (expected attention, transpose or epilogue)";
      return false;
    }
  }
  return true;
}

bool mlir::xf::applyTarget(const std::string &target,
                           const std::string &gpuArch, CompileOptions &options,
                           std::string &error) {
  if (target == "cpu") {
    if (!gpuArch.empty()) {
      error = "xfc: error: --gpu-arch needs --target=cuda";
      return false;
    }
    options.gpu.reset();
    return true;
  }
  GpuTargetSpec spec;
  if (target == "cuda") {
    spec.api = GpuApi::Cuda;
    if (!gpuArch.empty())
      spec.arch = gpuArch;
    StringRef digits = StringRef(spec.arch);
    unsigned sm = 0;
    if (!digits.consume_front("sm_") || digits.getAsInteger(10, sm) ||
        sm < 50) {
      error = "xfc: error: unknown --gpu-arch=" + spec.arch +
              " (expected sm_NN with NN >= 50, e.g. sm_80 or sm_90)";
      return false;
    }
  } else if (target == "vulkan") {
    if (!gpuArch.empty()) {
      error = "xfc: error: --gpu-arch needs --target=cuda";
      return false;
    }
    spec.api = GpuApi::Vulkan;
  } else {
    error = "xfc: error: unknown --target=" + target +
            " (expected cpu, cuda or vulkan)";
    return false;
  }
  options.gpu = spec;
  return true;
}

bool mlir::xf::applyPrecision(const std::string &precision,
                              CompileOptions &options, std::string &error) {
  if (precision == "fp32")
    options.precision = Precision::F32;
  else if (precision == "bf16")
    options.precision = Precision::BF16;
  else if (precision == "int8")
    options.precision = Precision::Int8;
  else {
    error = "xfc: error: unknown --precision=" + precision +
            " (expected fp32, bf16 or int8)";
    return false;
  }
  if (options.precision != Precision::F32 && options.gpu) {
    error = "xfc: error: --precision=" + precision +
            " is for --target=cpu (GPU libraries run fp32)";
    return false;
  }
  return true;
}

bool mlir::xf::applyKernels(const std::string &kernels,
                            CompileOptions &options, std::string &error) {
  options.halideKernels.clear();
  StringRef value(kernels);
  if (value == "mlir")
    return true;
  if (!value.consume_front("halide")) {
    error = "xfc: error: unknown --kernels=" + kernels +
            " (expected mlir, halide or halide:CLASS,... with classes "
            "matmul, attention, norm, elementwise, embedding, positions)";
    return false;
  }
  if (options.gpu) {
    error = "xfc: error: --kernels=halide is for --target=cpu";
    return false;
  }
  if (value.empty()) {
    options.halideKernels = {"matmul",    "attention", "norm",
                             "elementwise", "embedding", "positions"};
    return true;
  }
  SmallVector<StringRef> names;
  if (!value.consume_front(":") || value.empty()) {
    error = "xfc: error: --kernels=" + kernels +
            ": expected halide or halide:CLASS,...";
    return false;
  }
  value.split(names, ',', -1, /*KeepEmpty=*/true);
  for (StringRef name : names) {
    if (!llvm::is_contained({"matmul", "attention", "norm", "elementwise",
                             "embedding", "positions"},
                            name)) {
      error = "xfc: error: --kernels=" + kernels + ": unknown class '" +
              name.str() +
              "' (expected matmul, attention, norm, elementwise, embedding "
              "or positions)";
      return false;
    }
    if (!llvm::is_contained(options.halideKernels, name))
      options.halideKernels.push_back(name.str());
  }
  return true;
}

std::string mlir::xf::runtimeRootOf(const char *argv0, void *mainAddress) {
  std::string exe = llvm::sys::fs::getMainExecutable(argv0, mainAddress);
  if (exe.empty())
    return "";
  return llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)).str();
}

bool mlir::xf::parseEmitKind(const std::string &text, EmitKind &out) {
  static const std::pair<const char *, EmitKind> kinds[] = {
      {"ast", EmitKind::Ast},     {"xf", EmitKind::Xf},
      {"fused", EmitKind::Fused}, {"gpu", EmitKind::Gpu},
      {"ptx", EmitKind::Ptx},     {"spirv", EmitKind::Spirv},
      {"llvm", EmitKind::Llvm},   {"obj", EmitKind::Obj},
      {"lib", EmitKind::Lib},     {"description", EmitKind::Description}};
  for (auto [name, kind] : kinds)
    if (text == name) {
      out = kind;
      return true;
    }
  return false;
}

CompileResult mlir::xf::compile(const CompileOptions &options) {
  PhaseTimer timer(options.timings);
  std::string error;
  HalideKernelBuild halide;

  DialectRegistry registry;
  registerXfDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module;
  std::optional<::xf::ast::Model> model;
  if (StringRef(options.input).ends_with(".mlir")) {
    // xf IR written by hand or by another tool: no description, so no
    // token-id limits or dim names in the manifest.
    if (options.emit == EmitKind::Ast ||
        options.emit == EmitKind::Description)
      return userError("xfc: error: --emit=ast and --emit=description need "
                       "a .xf description or a Hugging Face directory");
    if (!options.sets.empty())
      return userError("xfc: error: --set needs a .xf description");
    module = parseXfFile(options.input, context, "xfc", error);
    if (!module)
      return userError(error);
    model.emplace();
    model->name = module->getSymName()
                      ? module->getSymName()->str()
                      : llvm::sys::path::stem(options.input).str();
    timer.done("parse");
  } else {
    ::xf::ast::Error astError;
    if (llvm::sys::fs::is_directory(options.input)) {
      // A Hugging Face model directory: its config.json becomes a
      // description whose parameter names are the checkpoint's.
      std::string text;
      if (!::xf::hf::importDirectory(options.input, text, error))
        return userError("xfc: error: " + error);
      if (options.emit == EmitKind::Description)
        return writeText(options.output, text, error) ? CompileResult{}
                                                      : userError(error);
      std::optional<::xf::parse::SyntaxFile> syntax = ::xf::parse::parseSyntax(
          text, options.input + "/config.json (imported)", astError);
      if (syntax)
        model = ::xf::parse::buildModel(*syntax, options.sets, astError);
    } else if (options.emit == EmitKind::Description) {
      return userError("xfc: error: --emit=description needs a Hugging Face "
                       "directory (xfc --hf DIR)");
    } else {
      model = ::xf::parse::loadModel(options.input, options.sets, astError);
    }
    if (!model)
      return userError(astError.format());
    timer.done("frontend");
    if (options.emit == EmitKind::Ast) {
      std::ostringstream os;
      ::xf::ast::dump(*model, os);
      if (!writeText(options.output, os.str(), error))
        return userError(error);
      return {};
    }
    ::xf::ast::Error genError;
    module = ::xf::mlirGen(context, *model, &genError);
    if (!module && !genError.message.empty())
      return userError(genError.format());
    if (!module)
      return internalError("the generated IR does not verify");
    timer.done("MLIRGen");
  }
  if (options.emit == EmitKind::Xf)
    return writeText(options.output, printModule(*module), error)
               ? CompileResult{}
               : userError(error);

  // One TargetMachine (host detection included) for the manifest's CPU
  // features, O3 and code emission.
  std::unique_ptr<llvm::TargetMachine> tm =
      createTargetMachine(options.target, error);
  if (!tm)
    return error.rfind("unknown --cpu", 0) == 0
               ? userError("xfc: error: " + error)
               : internalError(error);
  const std::vector<std::string> features = cpuFeatures(*tm);
  // The CPU kernels' tiling for this target (shown from --emit=fused on),
  // unless the input chose its own.
  if (!options.gpu && !(*module)->hasAttr(XfDialect::getCpuKernelConfigAttrName()))
    (*module)->setAttr(XfDialect::getCpuKernelConfigAttrName(),
                       cpu::KernelConfig::forTarget(
                           llvm::is_contained(features, "avx512f"))
                           .toAttr(&context));

  // xf-level optimization (transpose folding; fusion passes join here).
  // --explain-fusion remarks: one line each, on stderr.
  ScopedDiagnosticHandler remarks(&context, [](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Remark)
      return failure(); // errors go to the default handler
    if (auto fl = dyn_cast<FileLineColLoc>(diag.getLocation()))
      llvm::errs() << fl.getFilename().getValue() << ":" << fl.getLine() << ":"
                   << fl.getColumn();
    else
      llvm::errs() << diag.getLocation();
    llvm::errs() << ": remark: " << diag.str() << "\n";
    return success();
  });
  XfOptimizationOptions xfOptions;
  xfOptions.fuseAttention = options.fuseAttention;
  xfOptions.foldTranspose = options.foldTranspose;
  xfOptions.fuseEpilogue = options.fuseEpilogue;
  xfOptions.explainFusion = options.explainFusion;
  xfOptions.precision = options.precision;
  if (failed(runPasses(*module, options, [&](OpPassManager &pm) {
        buildXfOptimizationPipeline(pm, xfOptions);
      })))
    return internalError("the xf optimization pipeline failed");
  timer.done("xf passes");
  if (options.emit == EmitKind::Fused)
    return writeText(options.output, printModule(*module), error)
               ? CompileResult{}
               : userError(error);

  // Lowering: parameters become arguments first, so the manifest can list
  // them; then the CPU pipeline, or the GPU kernel and host pipelines, to
  // the LLVM dialect.
  bool isGpu = options.gpu.has_value();
  if ((options.emit == EmitKind::Gpu || options.emit == EmitKind::Ptx ||
       options.emit == EmitKind::Spirv) &&
      !isGpu)
    return userError("xfc: error: --emit=gpu, ptx and spirv need "
                     "--target=cuda or --target=vulkan");
  if (options.emit == EmitKind::Ptx && options.gpu->api != GpuApi::Cuda)
    return userError("xfc: error: --emit=ptx needs --target=cuda");
  if (options.emit == EmitKind::Spirv && options.gpu->api != GpuApi::Vulkan)
    return userError("xfc: error: --emit=spirv needs --target=vulkan");
  if (failed(runPasses(*module, options, [](OpPassManager &pm) {
        pm.addPass(createXfParamsToArgumentsPass());
      })))
    return internalError("xf-params-to-arguments failed");
  StringRef targetName = !isGpu                             ? "cpu"
                         : options.gpu->api == GpuApi::Cuda ? "cuda"
                                                            : "vulkan";
  std::string manifest = buildManifest(*module, *model, targetName,
                                       tm->getTargetCPU(), features);
  std::string header = buildHeader(*module, *model);
  std::vector<std::string> entries;
  for (auto fn : module->getOps<func::FuncOp>())
    if (fn.isPublic() && !fn.isExternal()) {
      entries.push_back(fn.getName().str());
      // A C ABI for entries only: not for layer functions or libm calls.
      fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                  UnitAttr::get(&context));
    }
  if (!isGpu) {
    CpuLoweringOptions cpuOptions;
    cpuOptions.vnni = llvm::is_contained(features, "avx512vnni");
    cpuOptions.avx512bf16 = llvm::is_contained(features, "avx512bf16");
    cpuOptions.halide = {options.halideKernels, options.explainFusion};
    cpuOptions.profile = options.profile;
    if (failed(runPasses(*module, options, [&](OpPassManager &pm) {
          buildXfCpuLoweringPipeline(pm, cpuOptions);
        })))
      return internalError("the CPU lowering pipeline failed");
    // The Halide kernels compile in xf-halide while the rest of the
    // library goes through LLVM here.
    if (auto specs = (*module)->getAttrOfType<ArrayAttr>(
            XfDialect::getHalideKernelsAttrName());
        specs && options.emit == EmitKind::Lib) {
      std::vector<std::string> lines;
      for (auto line : specs.getAsValueRange<StringAttr>())
        lines.push_back(line.str());
      if (!halide.start(options.runtimeRoot, lines, features,
                        options.halideSchedule, options.halideAutoschedule,
                        error))
        return userError(error);
    }
  } else {
    if (failed(runPasses(*module, options, buildXfGpuKernelPipeline)))
      return internalError("the GPU kernel pipeline failed");
    timer.done("GPU kernels");
    if (options.emit == EmitKind::Gpu)
      return writeText(options.output, printModule(*module), error)
                 ? CompileResult{}
                 : userError(error);
    // The device half works on copies of the kernels: the host keeps its
    // launches.
    OwningOpRef<ModuleOp> device(ModuleOp::create(module->getLoc()));
    for (auto kernels : module->getOps<gpu::GPUModuleOp>())
      device->push_back(kernels->clone());
    if (failed(lowerKernelsToDevice(*device, *options.gpu)))
      return internalError("lowering the kernels for the device failed");
    if (options.emit == EmitKind::Spirv) {
      std::string text;
      llvm::raw_string_ostream os(text);
      for (auto spv : device->getOps<spirv::ModuleOp>())
        os << spv << "\n";
      return writeText(options.output, text, error) ? CompileResult{}
                                                    : userError(error);
    }
    std::string binary;
    if (failed(serializeKernels(*device, *options.gpu, binary)))
      return internalError("serializing the kernels failed");
    timer.done(options.gpu->api == GpuApi::Cuda ? "PTX" : "SPIR-V");
    if (options.emit == EmitKind::Ptx)
      return writeText(options.output, binary, error) ? CompileResult{}
                                                      : userError(error);
    if (failed(runPasses(*module, options, buildXfGpuHostPipeline)))
      return internalError("the GPU host pipeline failed");
    addGpuGlobals(*module, targetName, binary);
  }
  if (failed(addEntryWrappers(*module, entries, manifest)))
    return internalError("cannot add the entry wrappers");
  timer.done("MLIR lowering");

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateAndOptimize(*module, llvmContext, *tm, error);
  if (!llvmModule)
    return internalError(error);
  timer.done("LLVM IR + O3");
  if (options.emit == EmitKind::Llvm) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeText(options.output, text, error) ? CompileResult{}
                                                  : userError(error);
  }

  if (options.emit == EmitKind::Obj) {
    if (options.output == "-")
      return userError("xfc: error: --emit=obj needs -o FILE");
    std::string object;
    if (!emitObject(*llvmModule, *tm, object, error))
      return internalError(error);
    timer.done("machine code");
    return writeText(options.output, object, error) ? CompileResult{}
                                                    : userError(error);
  }
  // A library: machine code on every core, in parts linked together.
  std::vector<std::string> objects;
  if (!emitObjects(*llvmModule, options.target,
                   std::max(1u, std::thread::hardware_concurrency()), objects,
                   error))
    return internalError(error);
  timer.done("machine code");

  // The library directory.
  const std::string &dir = options.output;
  if (dir == "-")
    return userError("xfc: error: compiling a library needs -o OUT_DIR");
  RuntimeFiles runtime;
  if (!findRuntime(options.runtimeRoot, runtime, error))
    return {2, error};
  if (std::error_code ec = llvm::sys::fs::create_directories(dir + "/xf"))
    return userError("xfc: error: cannot create '" + dir +
                     "': " + ec.message());
  for (const std::string &header : runtime.headers)
    if (std::error_code ec = llvm::sys::fs::copy_file(
            header, dir + "/xf/" + llvm::sys::path::filename(header).str()))
      return userError("xfc: error: cannot write '" + dir +
                       "/xf': " + ec.message());
  std::vector<std::string> objPaths;
  for (size_t i = 0; i < objects.size(); ++i) {
    objPaths.push_back(dir + "/" + model->name + "." + std::to_string(i) +
                       ".o");
    if (!writeText(objPaths.back(), objects[i], error))
      return userError(error);
  }
  std::vector<std::string> halideObjects;
  if ((*module)->hasAttr(XfDialect::getHalideKernelsAttrName())) {
    bool userCaused = false;
    if (!halide.finish(halideObjects, error, userCaused)) {
      for (const std::string &path : objPaths)
        llvm::sys::fs::remove(path);
      StringRef message(error);
      message.consume_front("xf-halide: error: ");
      return userCaused ? userError("xfc: error: " + message.str())
                        : internalError(error);
    }
    timer.done("Halide kernels (waited)");
  }
  if (!writeText(dir + "/" + model->name + ".json", manifest, error) ||
      !writeText(dir + "/" + model->name + ".h", header, error))
    return userError(error);
  std::vector<std::string> linkObjects = objPaths;
  linkObjects.insert(linkObjects.end(), halideObjects.begin(),
                     halideObjects.end());
  bool linked = linkSharedLibrary(linkObjects, runtime.archives, runtime.linkFlags,
                                  dir + "/lib" + model->name + ".so", error);
  for (const std::string &path : objPaths)
    llvm::sys::fs::remove(path);
  if (!linked)
    return internalError(error);
  timer.done("link");
  return {};
}
