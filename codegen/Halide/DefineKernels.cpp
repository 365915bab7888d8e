//===- DefineKernels.cpp - Bodies of the Halide kernel calls --------------===//
//
// xf-halide-define-kernels (see Passes.td): each declaration marked
// `xf.halide_kernel` gets a body that describes its memref arguments as
// Halide buffers and calls the pipeline xf-halide compiles from its spec.
//
// halide_buffer_t (HalideRuntime.h, 56 bytes): u64 device, ptr
// device_interface, ptr host, u64 flags, {u8 code, u8 bits, u16 lanes} type,
// i32 dimensions, ptr dim, ptr padding; halide_dimension_t: i32 min, extent,
// stride (in elements), u32 flags. Dimension 0 is the innermost: a memref's
// last.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFHALIDEDEFINEKERNELSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

/// `spec`'s entries as KEY=VALUE words (flags 0/1, floats exactly).
std::string specWords(DictionaryAttr spec) {
  std::string out;
  for (NamedAttribute entry : spec) {
    out += " " + entry.getName().str() + "=";
    Attribute v = entry.getValue();
    if (auto b = dyn_cast<BoolAttr>(v))
      out += b.getValue() ? "1" : "0";
    else if (auto i = dyn_cast<IntegerAttr>(v))
      out += std::to_string(i.getInt());
    else if (auto f = dyn_cast<FloatAttr>(v))
      out += llvm::formatv("{0:e9}", f.getValueAsDouble()).str();
    else
      out += cast<StringAttr>(v).getValue().str();
  }
  return out;
}

/// A halide_buffer_t on the stack describing `memref`; returns its address.
Value describeBuffer(OpBuilder &b, Location loc, Value memref) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<MemRefType>(memref.getType());
  Type elem = type.getElementType();
  int64_t rank = type.getRank();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type i8 = b.getI8Type(), i16 = b.getI16Type(), i32 = b.getI32Type(),
       i64 = b.getI64Type();
  auto dimType = LLVM::LLVMStructType::getLiteral(ctx, {i32, i32, i32, i32});
  auto bufType = LLVM::LLVMStructType::getLiteral(
      ctx, {i64, ptr, ptr, i64, i8, i8, i16, i32, ptr, ptr});
  auto constant = [&](Type t, int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, t, b.getIntegerAttr(t, v));
  };
  auto store = [&](Value value, Type structType, Value base,
                   ArrayRef<LLVM::GEPArg> path) {
    Value field = LLVM::GEPOp::create(b, loc, ptr, structType, base, path);
    LLVM::StoreOp::create(b, loc, value, field);
  };

  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  Value aligned = arith::IndexCastOp::create(
      b, loc, i64,
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
  int64_t bytes = elem.getIntOrFloatBitWidth() / 8;
  Value offset = arith::IndexCastOp::create(b, loc, i64, meta.getOffset());
  Value address = arith::AddIOp::create(
      b, loc, aligned,
      arith::MulIOp::create(b, loc, offset, constant(i64, bytes)));
  Value host = LLVM::IntToPtrOp::create(b, loc, ptr, address);

  Value dims =
      LLVM::AllocaOp::create(b, loc, ptr, dimType, constant(i64, rank), 8);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t j = rank - 1 - i;
    auto toI32 = [&](Value index) -> Value {
      return arith::IndexCastOp::create(b, loc, i32, index);
    };
    store(constant(i32, 0), dimType, dims, {i, 0});
    store(toI32(meta.getSizes()[j]), dimType, dims, {i, 1});
    store(toI32(meta.getStrides()[j]), dimType, dims, {i, 2});
    store(constant(i32, 0), dimType, dims, {i, 3});
  }
  Value buf =
      LLVM::AllocaOp::create(b, loc, ptr, bufType, constant(i64, 1), 8);
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  // halide_type_code_t: 0 int, 1 uint, 2 float.
  int64_t code = isa<FloatType>(elem) ? 2 : elem.isUnsignedInteger() ? 1 : 0;
  store(constant(i64, 0), bufType, buf, {0, 0});
  store(null, bufType, buf, {0, 1});
  store(host, bufType, buf, {0, 2});
  store(constant(i64, 0), bufType, buf, {0, 3});
  store(constant(i8, code), bufType, buf, {0, 4});
  store(constant(i8, elem.getIntOrFloatBitWidth()), bufType, buf, {0, 5});
  store(constant(i16, 1), bufType, buf, {0, 6});
  store(constant(i32, rank), bufType, buf, {0, 7});
  store(dims, bufType, buf, {0, 8});
  store(null, bufType, buf, {0, 9});
  return buf;
}

class HalideDefineKernelsPass final
    : public xf::impl::XfHalideDefineKernelsPassBase<HalideDefineKernelsPass> {
public:
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    StringRef marker = xf::XfDialect::getHalideKernelAttrName();
    SmallVector<Attribute> lines;
    // Equal specs share one pipeline: xf_hl_<kind>_<i>, in order of first
    // use.
    llvm::StringMap<LLVM::LLVMFuncOp> pipelines;
    for (auto fn : llvm::to_vector(module.getOps<func::FuncOp>())) {
      auto kernel = fn->getAttrOfType<DictionaryAttr>(marker);
      if (!kernel || !fn.isDeclaration())
        continue;
      std::string kind = kernel.getAs<StringAttr>("kind").getValue().str();
      std::string words =
          kind + specWords(kernel.getAs<DictionaryAttr>("spec"));
      Location loc = fn.getLoc();
      auto ptr = LLVM::LLVMPointerType::get(ctx);
      unsigned n = fn.getNumArguments();
      OpBuilder b(module.getBody(), module.getBody()->end());
      LLVM::LLVMFuncOp &callee = pipelines[words];
      if (!callee) {
        std::string symbol =
            "xf_hl_" + kind + "_" + std::to_string(pipelines.size() - 1);
        lines.push_back(StringAttr::get(ctx, symbol + " " + words));
        callee = LLVM::LLVMFuncOp::create(
            b, loc, symbol,
            LLVM::LLVMFunctionType::get(b.getI32Type(),
                                        SmallVector<Type>(n, ptr)));
      }
      fn->removeAttr(marker);
      Block *entry = fn.addEntryBlock();
      b.setInsertionPointToStart(entry);
      // Halide's argument order: the inputs, then the output (argument 0).
      SmallVector<Value> args;
      for (unsigned i = 1; i < n; ++i)
        args.push_back(describeBuffer(b, loc, entry->getArgument(i)));
      args.push_back(describeBuffer(b, loc, entry->getArgument(0)));
      // A nonzero status means a bounds or allocation error, which Halide's
      // runtime has already reported (halide_error); shapes come from
      // verified IR, so it does not happen in a correct library.
      LLVM::CallOp::create(b, loc, callee, args);
      func::ReturnOp::create(b, loc);
    }
    if (!lines.empty())
      module->setAttr(xf::XfDialect::getHalideKernelsAttrName(),
                      ArrayAttr::get(ctx, lines));
  }
};

} // namespace
