//===- ObjectEmitter.cpp - LLVM dialect to optimized machine code ---------===//
//
// Translation to LLVM IR, LLVM's O3 module pipeline in process, and object
// emission with a TargetMachine for the chosen CPU: one object, or (for a
// library) the optimized module split into parts whose machine code is
// generated on parallel threads, each in its own LLVMContext.
//
//===----------------------------------------------------------------------===//

#include "codegen/Target/ObjectEmitter.h"
#include "codegen/CPU/ParallelRuntime.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "xf/abi.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include <thread>

using namespace mlir;

std::unique_ptr<llvm::TargetMachine>
mlir::xf::createTargetMachine(const TargetSpec &spec, std::string &error) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The linear kernels' dot-product instructions are inline assembly.
  llvm::InitializeNativeTargetAsmParser();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = spec.cpu, features;
  if (cpu == "host") {
    // Host detection names a CPU it does not know by an older one, whose
    // feature list may lack what this CPU has: the detected features keep
    // every instruction set on.
    cpu = llvm::sys::getHostCPUName().str();
    bool avx512 = false;
    for (const auto &[name, enabled] : llvm::sys::getHostCPUFeatures()) {
      features += (features.empty() ? "" : ",") +
                  std::string(enabled ? "+" : "-") + name.str();
      avx512 |= enabled && name == "avx512f";
    }
    // Client-core tunings prefer 256-bit vectors; these kernels are
    // FMA-bound, so use the full 512 bits where they exist.
    if (avx512)
      features += ",-prefer-256-bit";
  } else {
    std::unique_ptr<llvm::MCSubtargetInfo> sti(
        target->createMCSubtargetInfo(triple, "", ""));
    if (!sti || !sti->isCPUStringValid(cpu)) {
      error = "unknown --cpu=" + cpu + " for " + triple.str();
      return nullptr;
    }
  }
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    error = "cannot create a target machine for " + cpu;
  return tm;
}

std::vector<std::string> mlir::xf::cpuFeatures(const llvm::TargetMachine &tm) {
  std::vector<std::string> names;
#define XF_CPU_FEATURE(name, ...)                                              \
  if (tm.getMCSubtargetInfo()->checkFeatures(std::string("+") + name))         \
    names.push_back(name);
  XF_ABI_CPU_FEATURES(XF_CPU_FEATURE)
#undef XF_CPU_FEATURE
  return names;
}

std::unique_ptr<llvm::Module>
mlir::xf::translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                               llvm::TargetMachine &tm, std::string &error) {
  DialectRegistry registry;
  registerAllToLLVMIRTranslations(registry);
  module.getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, context);
  if (!llvmModule) {
    error = "translation to LLVM IR failed";
    return nullptr;
  }
  llvmModule->setDataLayout(tm.createDataLayout());
  llvmModule->setTargetTriple(tm.getTargetTriple());

  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*llvmModule, mam);
  // After O3, whose OpenMP pass knows the runtime functions by name.
  if (!bindParallelRuntime(*llvmModule, error))
    return nullptr;
  return llvmModule;
}

bool mlir::xf::emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                          std::string &object, std::string &error) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return false;
  }
  pm.run(module);
  object.assign(buffer.begin(), buffer.end());
  return true;
}

bool mlir::xf::emitObjects(llvm::Module &module, const TargetSpec &spec,
                           unsigned parts, std::vector<std::string> &objects,
                           std::string &error) {
  // Split (locals that cross parts become hidden globals), carry each part
  // to its thread as bitcode: LLVMContexts are not shared across threads.
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  llvm::SplitModule(module, std::max(parts, 1u),
                    [&](std::unique_ptr<llvm::Module> part) {
                      bitcode.emplace_back();
                      llvm::raw_svector_ostream os(bitcode.back());
                      llvm::WriteBitcodeToFile(*part, os);
                    });
  // One TargetMachine per thread, made here before the threads start, so
  // target registration and host feature detection never run concurrently.
  std::vector<std::unique_ptr<llvm::TargetMachine>> machines;
  for (size_t i = 0; i < bitcode.size(); ++i) {
    machines.push_back(createTargetMachine(spec, error));
    if (!machines.back())
      return false;
  }
  objects.assign(bitcode.size(), "");
  std::vector<std::string> errors(bitcode.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bitcode.size(); ++i)
    threads.emplace_back([&, i] {
      llvm::LLVMContext context;
      llvm::Expected<std::unique_ptr<llvm::Module>> part =
          llvm::parseBitcodeFile(
              llvm::MemoryBufferRef(
                  llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                  "part"),
              context);
      if (!part) {
        errors[i] = llvm::toString(part.takeError());
        return;
      }
      emitObject(**part, *machines[i], objects[i], errors[i]);
    });
  for (std::thread &t : threads)
    t.join();
  for (std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return false;
    }
  return true;
}
