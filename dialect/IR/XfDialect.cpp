//===- XfDialect.cpp - The xf dialect -------------------------------------===//
//
// Registers the ops, attributes and interfaces of the `xf` dialect.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfDialect.h"
#include "dialect/IR/XfOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xf;

#include "dialect/IR/XfDialect.cpp.inc"
#include "dialect/IR/XfEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/XfAttrs.cpp.inc"

namespace {
/// Every xf op is pure and region-free, so it may be inlined anywhere (the
/// layer functions MLIRGen emits, for instance).
struct XfInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void XfDialect::initialize() {
  addInterfaces<XfInlinerInterface>();
  addOperations<
#define GET_OP_LIST
#include "dialect/IR/XfOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IR/XfAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Discardable attributes
//===----------------------------------------------------------------------===//

LogicalResult XfDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  if (name == getParamsAttrName() || name == getTransposedParamsAttrName() ||
      name == getGpuKernelsAttrName() || name == getHalideKernelsAttrName()) {
    auto strings = dyn_cast<ArrayAttr>(value);
    if (!strings || !llvm::all_of(strings, llvm::IsaPred<StringAttr>))
      return op->emitError() << "'" << name << "' must be an array of strings";
    return success();
  }
  if (name == getWeightMatmulAttrName()) {
    auto precision = dyn_cast<StringAttr>(value);
    if (!isa<UnitAttr>(value) &&
        !(precision && (precision.getValue() == "bf16" ||
                        precision.getValue() == "int8")))
      return op->emitError() << "'" << name
                             << "' must be a unit attribute, \"bf16\" or "
                                "\"int8\"";
    return success();
  }
  if (name == getGpuKernelAttrName() || name == getHalideKernelAttrName()) {
    auto dict = dyn_cast<DictionaryAttr>(value);
    if (!dict || !dict.getAs<StringAttr>("kind") ||
        !dict.getAs<DictionaryAttr>("spec"))
      return op->emitError()
             << "'" << name
             << "' must be a dictionary {kind = string, spec = dictionary}";
    return success();
  }
  if (name == getFusionCandidateAttrName()) {
    if (!isa<IntegerAttr>(value))
      return op->emitError() << "'" << name << "' must be an integer";
    return success();
  }
  if (name == getKernelKeyAttrName())
    return success(); // any attribute: compared, never read
  if (name == getCpuKernelConfigAttrName()) {
    auto dict = dyn_cast<DictionaryAttr>(value);
    if (!dict)
      return op->emitError() << "'" << name << "' must be a dictionary";
    // Each key with the range its kernel supports.
    static const struct {
      StringRef key;
      int64_t lo, hi;
    } keys[] = {
        {"matmul_panels", 1, 4}, {"matmul_cols", 1, 16}, {"matmul_k_unroll", 1, 8}};
    for (NamedAttribute entry : dict) {
      if (entry.getName() == "matmul_dot_shapes") {
        // (rows of x, rows of W) pairs, rows of x increasing.
        auto shapes = dyn_cast<DenseI64ArrayAttr>(entry.getValue());
        bool ok = shapes && !shapes.empty() && shapes.size() % 2 == 0;
        for (size_t i = 0; ok && i < shapes.size(); i += 2)
          ok = shapes[i] >= 1 && shapes[i] <= 8 && shapes[i + 1] >= 1 &&
               shapes[i + 1] <= 16 && (i == 0 || shapes[i] > shapes[i - 2]);
        if (!ok)
          return op->emitError()
                 << "'" << name
                 << "': matmul_dot_shapes must be an array<i64> of (rows of "
                    "x in [1, 8], increasing; rows of W in [1, 16]) pairs";
        continue;
      }
      const auto *known = llvm::find_if(
          keys, [&](const auto &k) { return k.key == entry.getName(); });
      if (known == std::end(keys))
        return op->emitError() << "'" << name << "' has an unknown key '"
                               << entry.getName().getValue() << "'";
      auto v = dyn_cast<IntegerAttr>(entry.getValue());
      if (!v || v.getInt() < known->lo || v.getInt() > known->hi)
        return op->emitError()
               << "'" << name << "': " << known->key << " must be an integer in ["
               << known->lo << ", " << known->hi << "]";
    }
    return success();
  }
  return op->emitError() << "unknown xf attribute '" << name << "'";
}

/// `xf.name` and `xf.state` on arguments and results: strings.
static LogicalResult verifyValueAttr(Operation *op, NamedAttribute attr,
                                     StringRef where) {
  if (attr.getName() != XfDialect::getNameAttrName() &&
      attr.getName() != XfDialect::getStateAttrName())
    return op->emitError() << "unknown xf " << where << " attribute '"
                           << attr.getName().getValue() << "'";
  if (!isa<StringAttr>(attr.getValue()))
    return op->emitError() << "'" << attr.getName().getValue()
                           << "' must be a string";
  return success();
}

LogicalResult XfDialect::verifyRegionArgAttribute(Operation *op, unsigned,
                                                  unsigned,
                                                  NamedAttribute attr) {
  return verifyValueAttr(op, attr, "argument");
}

LogicalResult XfDialect::verifyRegionResultAttribute(Operation *op, unsigned,
                                                     unsigned,
                                                     NamedAttribute attr) {
  return verifyValueAttr(op, attr, "result");
}

LogicalResult mlir::xf::verifyXfOpsInFunctions(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    if (!isa<XfDialect>(op->getDialect()))
      return WalkResult::advance();
    Region *region = op->getParentRegion();
    if (region && mayHaveSSADominance(*region))
      return WalkResult::advance();
    op->emitError() << "'" << op->getName()
                    << "' must be inside a function body, not in a graph "
                       "region such as a module's top level";
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}
