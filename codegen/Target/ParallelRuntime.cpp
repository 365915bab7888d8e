//===- ParallelRuntime.cpp - OpenMP runtime calls to xf's pool ------------===//

#include "codegen/Target/ParallelRuntime.h"
#include "runtime/src/Parallel.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Instructions.h"

using namespace mlir;

bool mlir::xf::bindParallelRuntime(llvm::Module &module, std::string &error) {
  static const llvm::StringMap<llvm::StringRef> names = {
      {"__kmpc_fork_call", "xf_parallel_fork"},
      {"__kmpc_fork_call_if", "xf_parallel_fork_if"},
      {"__kmpc_global_thread_num", "xf_parallel_thread_id"},
      {"__kmpc_barrier", "xf_parallel_barrier"},
      {"omp_get_num_threads", "xf_parallel_team_size"}};
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
        if (!argc || argc->getSExtValue() > ::xf::rt::kMaxForkArgs) {
          error = "a parallel region takes more than " +
                  std::to_string(::xf::rt::kMaxForkArgs) +
                  " arguments, or a variable number";
          return false;
        }
      }
    f.setName(it->second);
  }
  return true;
}
