//===- PrecompiledMLIR.h - The MLIR headers the compiler's files share ----===//
//
// Parsing these headers is most of the compile time of nearly every file
// of the compiler (about 19 of 22 s for a typical pass): they are compiled
// once, as the precompiled header of XfDialect, and every MLIR-using target
// reuses it (xf_use_precompiled_mlir in the top-level CMakeLists.txt).
// Sources still include what they use; this list only decides what is
// parsed once. Configure with -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON to build
// without it (e.g. to check that every file includes what it needs).
//
//===----------------------------------------------------------------------===//

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/DialectConversion.h"
