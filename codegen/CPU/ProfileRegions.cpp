//===- ProfileRegions.cpp - The timers of `xfc --profile` -----------------===//
//
// xf-name-op-locations and xf-cpu-profile-regions (see Passes.td): the xf
// op names go into locations before lowering, and after the loop lowering
// every unit of work of a public function gets a timer whose slot says
// which op class it belongs to. Without --profile neither pass runs: a
// library has no timers and pays nothing.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "xf/abi.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "llvm/ADT/SetVector.h"
#include <functional>

namespace mlir::xf {
#define GEN_PASS_DEF_XFNAMEOPLOCATIONSPASS
#define GEN_PASS_DEF_XFCPUPROFILEREGIONSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

/// Marks the functions the description made (entries, layers), whose
/// bodies xf-cpu-profile-regions times; functions the lowering adds
/// (kernels, helpers) are timed as calls.
constexpr StringLiteral kScope = "xf_profile_scope";

struct NameOpLocationsPass final
    : xf::impl::XfNameOpLocationsPassBase<NameOpLocationsPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      if (isa<xf::XfDialect>(op->getDialect()))
        op->setLoc(NameLoc::get(
            StringAttr::get(op->getContext(), op->getName().getStringRef()),
            op->getLoc()));
      else if (auto fn = dyn_cast<func::FuncOp>(op); fn && !fn.isDeclaration())
        fn->setAttr(kScope, UnitAttr::get(op->getContext()));
    });
  }
};

/// The op class of an xf op name, in the order a unit takes the first it
/// contains (a fused norm with its residual add is a norm).
const std::pair<StringRef, StringRef> kClasses[] = {
    {"xf.attention", "attention"},
    {"xf.matmul", "linear"},
    {"xf.quantized_linear", "linear"},
    {"xf.layer_norm", "norm"},
    {"xf.rms_norm", "norm"},
    {"xf.softmax", "norm"},
    {"xf.embedding", "embedding"},
    {"xf.positions", "embedding"},
    {"xf.sinusoid", "embedding"},
    {"xf.sinusoid_table", "embedding"},
    {"xf.rope", "embedding"},
    {"xf.cache_write", "cache"},
    {"xf.transpose", "data"},
    {"xf.reshape", "data"},
};

/// What a unit of work is: its class, the xf ops and the first location.
struct TimedRegion {
  std::string opClass = "other", ops, location;
};

TimedRegion describe(Operation *unit) {
  llvm::SmallSetVector<StringRef, 4> names;
  std::string location;
  auto collect = [&](Location loc) {
    loc->walk([&](Location l) {
      if (auto named = dyn_cast<NameLoc>(l)) {
        StringRef name = named.getName().getValue();
        if (name.starts_with("xf.")) {
          names.insert(name);
          if (location.empty())
            if (auto file = dyn_cast<FileLineColLoc>(named.getChildLoc()))
              location = (file.getFilename().getValue() + ":" +
                          Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                             .str();
        }
      }
      return WalkResult::advance();
    });
  };
  unit->walk([&](Operation *op) { collect(op->getLoc()); });
  TimedRegion r;
  r.location = location.empty() ? "?" : location;
  for (StringRef name : names)
    r.ops += (r.ops.empty() ? "" : ",") + name.str();
  // Without an xf op (code the lowering added: copies, the matmul kernel's
  // packing), the unit's own op says what it is.
  if (r.ops.empty()) {
    r.ops = unit->getName().getStringRef().str();
    if (auto call = dyn_cast<func::CallOp>(unit))
      r.ops += " @" + call.getCallee().str();
  }
  for (auto [name, opClass] : kClasses)
    if (names.contains(name)) {
      r.opClass = opClass.str();
      return r;
    }
  if (!names.empty())
    r.opClass = "elementwise";
  return r;
}

/// Calls (but of the timers, and of functions timed inside) and parallel
/// regions.
bool isUnitKind(Operation *op) {
  if (auto call = dyn_cast<func::CallOp>(op)) {
    if (call.getCallee().starts_with("xf_profile_"))
      return false;
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        op, call.getCalleeAttr());
    return !callee || !callee->hasAttr(kScope);
  }
  return isa<omp::ParallelOp>(op);
}

/// Whether an op nested in `op` (or `op` itself) satisfies `pred`.
bool containsOp(Operation *op, function_ref<bool(Operation *)> pred) {
  return op
      ->walk([&](Operation *inner) {
        return pred(inner) ? WalkResult::interrupt() : WalkResult::advance();
      })
      .wasInterrupted();
}

/// The flops of a unit: 2·M·N·K for a call of a linear layer's kernel
/// (codegen/CPU/MatmulKernel.cpp: `xf_linear_*`, x [M, K] first, the
/// output [M, N] last), else 0.
Value flopsOf(OpBuilder &b, Location loc, Operation *unit) {
  auto call = dyn_cast<func::CallOp>(unit);
  if (!call || !call.getCallee().starts_with("xf_linear_") ||
      call.getNumOperands() < 3)
    return arith::ConstantIntOp::create(b, loc, 0, 64);
  Value x = call.getOperand(0), out = call.getOperands().back();
  auto dim = [&](Value v, int64_t d) -> Value {
    return memref::DimOp::create(b, loc, v, d);
  };
  Value product = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, dim(x, 0), dim(x, 1)),
      dim(out, 1));
  product = arith::MulIOp::create(b, loc, product,
                                  arith::ConstantIndexOp::create(b, loc, 2));
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), product);
}

struct ProfileRegionsPass final
    : xf::impl::XfCpuProfileRegionsPassBase<ProfileRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    b.setInsertionPointToEnd(module.getBody());
    Location loc = module.getLoc();
    Type i64 = b.getI64Type(), i32 = b.getI32Type();
    auto begin = func::FuncOp::create(b, loc, XF_SYM_PROFILE_BEGIN,
                                      b.getFunctionType({}, {i64}));
    auto end = func::FuncOp::create(b, loc, XF_SYM_PROFILE_END,
                                    b.getFunctionType({i64, i32, i64}, {}));
    begin.setPrivate();
    end.setPrivate();

    std::vector<TimedRegion> regions;
    auto time = [&](Operation *unit) {
      int32_t id = int32_t(regions.size());
      regions.push_back(describe(unit));
      OpBuilder at(unit);
      Location l = unit->getLoc();
      Value start = func::CallOp::create(at, l, begin).getResult(0);
      at.setInsertionPointAfter(unit);
      Value flops = flopsOf(at, l, unit);
      func::CallOp::create(
          at, l, end,
          ValueRange{start, arith::ConstantIntOp::create(at, l, id, 32),
                     flops});
    };
    // Units: calls and parallel regions; a loop nest with neither inside;
    // other ops with regions are looked into.
    std::function<void(Block &)> visit = [&](Block &block) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (isUnitKind(&op)) {
          time(&op);
        } else if (op.getNumRegions()) {
          if (containsOp(&op, [&](Operation *inner) {
                return inner != &op && isUnitKind(inner);
              })) {
            for (Region &r : op.getRegions())
              for (Block &inner : r)
                visit(inner);
          } else if (containsOp(&op, [](Operation *inner) {
                       // A loop: else bookkeeping (a conditional free), not
                       // worth a timer.
                       return isa<LoopLikeOpInterface>(inner);
                     })) {
            time(&op);
          }
        }
      }
    };
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->hasAttr(kScope))
        for (Block &block : fn.getBody())
          visit(block);
    for (auto fn : module.getOps<func::FuncOp>())
      fn->removeAttr(kScope);

    // The slots (zeroed) and their description, as globals the runtime
    // finds by name.
    std::string names;
    for (const TimedRegion &r : regions)
      names += r.opClass + "\t" + r.ops + "\t" + r.location + "\n";
    SmallVector<int8_t> bytes(names.begin(), names.end());
    bytes.push_back(0);
    b.setInsertionPointToEnd(module.getBody());
    auto slotsType = MemRefType::get(
        {std::max<int64_t>(1, int64_t(regions.size())), 3}, i64);
    memref::GlobalOp::create(
        b, loc, XF_SYM_PROFILE_SLOTS, b.getStringAttr("public"), slotsType,
        DenseElementsAttr::get(
            RankedTensorType::get(slotsType.getShape(), i64),
            b.getI64IntegerAttr(0)),
        /*constant=*/false, IntegerAttr());
    auto namesType = MemRefType::get({int64_t(bytes.size())}, b.getI8Type());
    memref::GlobalOp::create(
        b, loc, XF_SYM_PROFILE_NAMES, b.getStringAttr("public"), namesType,
        DenseElementsAttr::get(RankedTensorType::get(namesType.getShape(),
                                                     b.getI8Type()),
                               ArrayRef<int8_t>(bytes)),
        /*constant=*/true, IntegerAttr());
  }
};

} // namespace
