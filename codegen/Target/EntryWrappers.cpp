//===- EntryWrappers.cpp - The library's uniform entry ABI ----------------===//
//
// The runtime calls every entry the same way, whatever its arity: one array
// of memref descriptor pointers (result first, then inputs, then
// parameters). This file builds those trampolines and the manifest global in
// the LLVM dialect, so the library needs no hand-written glue, and makes
// every other function of the module internal.
//
//===----------------------------------------------------------------------===//

#include "codegen/Target/EntryWrappers.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "xf/abi.h"

using namespace mlir;

LogicalResult xf::addEntryWrappers(ModuleOp module, ArrayRef<std::string> names,
                                   StringRef manifest) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto voidTy = LLVM::LLVMVoidType::get(ctx);
  for (const std::string &name : names) {
    auto target = module.lookupSymbol<LLVM::LLVMFuncOp>("_mlir_ciface_" + name);
    if (!target)
      return module.emitError("no C wrapper for entry '") << name << "'";
    auto fn =
        LLVM::LLVMFuncOp::create(b, loc, XF_SYM_ENTRY_PREFIX + name,
                                 LLVM::LLVMFunctionType::get(voidTy, {ptr}));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(fn.addEntryBlock(b));
    Value array = fn.getArgument(0);
    SmallVector<Value> args;
    for (unsigned i = 0; i < target.getNumArguments(); ++i) {
      Value slot =
          LLVM::GEPOp::create(b, loc, ptr, ptr, array,
                              ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
      args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
    }
    LLVM::CallOp::create(b, loc, target, args);
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  }
  // Only the trampolines are the library's interface: everything else
  // (entries, their C wrappers, layer functions) becomes internal, so LLVM
  // may inline an entry into its wrapper and drop the original.
  for (auto fn : module.getOps<LLVM::LLVMFuncOp>())
    if (!fn.isExternal() && fn.getLinkage() == LLVM::Linkage::External &&
        !fn.getName().starts_with(XF_SYM_ENTRY_PREFIX))
      fn.setLinkage(LLVM::Linkage::Internal);
  std::string text = manifest.str();
  text.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
  LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                         LLVM::Linkage::External, XF_SYM_MANIFEST,
                         b.getStringAttr(text));
  LLVM::GlobalOp::create(b, loc, b.getI32Type(), /*isConstant=*/true,
                         LLVM::Linkage::External, XF_SYM_ABI_VERSION,
                         b.getI32IntegerAttr(XF_ABI_VERSION));
  return success();
}
