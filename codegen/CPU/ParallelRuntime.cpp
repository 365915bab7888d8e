//===- ParallelRuntime.cpp - OpenMP runtime calls to xf's pool ------------===//

#include "codegen/CPU/ParallelRuntime.h"
#include "xf/abi.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"

using namespace mlir;

bool mlir::xf::bindParallelRuntime(llvm::Module &module, std::string &error) {
  static const llvm::StringMap<llvm::StringRef> names = {
      {"__kmpc_fork_call", XF_SYM_PARALLEL_FORK},
      {"__kmpc_fork_call_if", XF_SYM_PARALLEL_FORK_IF},
      {"__kmpc_global_thread_num", XF_SYM_PARALLEL_THREAD_ID},
      {"__kmpc_barrier", XF_SYM_PARALLEL_BARRIER},
      {"omp_get_num_threads", XF_SYM_PARALLEL_TEAM_SIZE}};
  for (llvm::Function &f : module) {
    llvm::StringRef name = f.getName();
    if (!f.isDeclaration() ||
        !(name.starts_with("__kmpc_") || name.starts_with("omp_")))
      continue;
    auto it = names.find(name);
    if (it == names.end()) {
      error = "the generated code calls the OpenMP runtime function " +
              name.str() + ", which xf's thread pool does not provide";
      return false;
    }
    if (name == "__kmpc_fork_call")
      for (llvm::User *user : f.users()) {
        auto *call = llvm::dyn_cast<llvm::CallInst>(user);
        auto *argc =
            call ? llvm::dyn_cast<llvm::ConstantInt>(call->getArgOperand(1))
                 : nullptr;
        if (!argc || argc->getSExtValue() > XF_PARALLEL_MAX_FORK_ARGS) {
          error = "a parallel region takes more than " +
                  std::to_string(XF_PARALLEL_MAX_FORK_ARGS) +
                  " arguments, or a variable number";
          return false;
        }
      }
    f.setName(it->second);
  }
  return true;
}
