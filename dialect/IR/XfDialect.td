//===- XfDialect.td - The xf dialect, its attributes and base op classes --===//
//
// The `xf` dialect models a Transformer at the granularity a framework
// executes it. This file declares the dialect, its enum attributes and the
// TableGen classes that the ops in XfOps.td share.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_TD
#define XF_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Xf_Dialect : Dialect {
  let name = "xf";
  let cppNamespace = "::mlir::xf";
  let summary = "Transformer operations at framework granularity";
  let description = [{
    Ops on ranked tensors with dynamic batch and sequence dimensions:
    parameters, embeddings, positions, batched matmuls with transpose flags,
    transposes, reshapes, broadcasting elementwise arithmetic, softmax, norms,
    activations and masks, plus the fused `xf.attention` that the fusion passes
    create. The frontend emits the unfused ops; passes fuse them.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
  let useDefaultAttributePrinterParser = 1;

  // Discardable attributes that passes hand to each other (and to the
  // manifest writer), named and verified here rather than spelled as
  // strings in several files.
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// On an entry function's argument or result: the name of that input or
    /// output (a string), as the manifest and header call it.
    static constexpr ::llvm::StringLiteral getNameAttrName() {
      return "xf.name";
    }
    /// On a generation entry's argument: the generation-state tensor it is
    /// (a string, e.g. "self_key.0"), which the runtime's state owns and
    /// the entry updates in place; on a result: the state tensor it is the
    /// new value of (dropped from the signature after bufferization).
    static constexpr ::llvm::StringLiteral getStateAttrName() {
      return "xf.state";
    }
    /// On a function whose trailing arguments were `xf.param`s: their
    /// weight names, in order (an array of strings).
    static constexpr ::llvm::StringLiteral getParamsAttrName() {
      return "xf.params";
    }
    /// Beside `xf.params`: the names among them that the file stores
    /// transposed (`xf.param ... transposed`), which the runtime packs at
    /// load (an array of strings).
    static constexpr ::llvm::StringLiteral getTransposedParamsAttrName() {
      return "xf.transposed_params";
    }
    /// On a linalg.generic from a matmul whose right operand is a weight:
    /// the CPU linear kernel takes it. Unit for an f32 weight; "bf16" or
    /// "int8" for an xf.quantized_linear's (whose generic only stands in
    /// for the kernel: its operands are in the runtime's layout).
    static constexpr ::llvm::StringLiteral getWeightMatmulAttrName() {
      return "xf.weight_matmul";
    }
    /// On a private function declaration standing for a GPU kernel: a
    /// dictionary {kind: string, spec: dictionary} for the kernel builders.
    static constexpr ::llvm::StringLiteral getGpuKernelAttrName() {
      return "xf.gpu_kernel";
    }
    /// On a private function declaration standing for a Halide kernel: a
    /// dictionary {kind: string, spec: dictionary} (codegen/Halide).
    static constexpr ::llvm::StringLiteral getHalideKernelAttrName() {
      return "xf.halide_kernel";
    }
    /// On the module after xf-halide-define-kernels: one spec line per
    /// Halide kernel the library calls (halide/KernelSpec.h), an array of
    /// strings; xfc compiles them with xf-halide.
    static constexpr ::llvm::StringLiteral getHalideKernelsAttrName() {
      return "xf.halide_kernels";
    }
    /// On the module after xf-gpu-launch-to-runtime: the kernel table, one
    /// "name:kinds" string per kernel (xf/abi.h).
    static constexpr ::llvm::StringLiteral getGpuKernelsAttrName() {
      return "xf.gpu_kernels";
    }
    /// On a fusion candidate while xf-fuse-epilogue runs with
    /// --explain-fusion: its index among the candidates (an integer).
    static constexpr ::llvm::StringLiteral getFusionCandidateAttrName() {
      return "xf.fusion_candidate";
    }
    /// On the module, for the CPU: the kernels' register tiling chosen for
    /// the target (codegen/CPU/KernelConfig.h), a dictionary of integers;
    /// xfc sets it from the CPU's features unless the input has one.
    static constexpr ::llvm::StringLiteral getCpuKernelConfigAttrName() {
      return "xf.cpu_kernel_config";
    }
    /// On an out-of-line CPU kernel function while convert-xf-to-linalg
    /// runs: what it was made for (its operand types and the op's
    /// attributes), so equal ops share it; removed at the pass's end.
    static constexpr ::llvm::StringLiteral getKernelKeyAttrName() {
      return "xf.kernel_key";
    }
  }];
}

//===----------------------------------------------------------------------===//
// Enum attributes
//===----------------------------------------------------------------------===//

def Xf_Layout : I32EnumAttr<"Layout", "memory layout of an attention operand", [
    I32EnumAttrCase<"BHSD", 0, "bhsd">,
    I32EnumAttrCase<"BSHD", 1, "bshd">,
    I32EnumAttrCase<"BHDS", 2, "bhds">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::xf";
  let description = [{
    Axis order of a 4-D attention operand: `b` batch, `h` heads, `s` sequence,
    `d` head width. `bhsd` is the framework's layout after the head-split
    transpose; `bshd` is the layout before it (heads split by reshape only);
    `bhds` is a key stored transposed (`Kᵀ`).
  }];
}

def Xf_LayoutAttr : EnumAttr<Xf_Dialect, Xf_Layout, "layout"> {
  let assemblyFormat = "`<` $value `>`";
}

def Xf_Activation : I32EnumAttr<"Activation", "an activation fused into a matmul", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Relu", 1, "relu">,
    I32EnumAttrCase<"Gelu", 2, "gelu">,
    I32EnumAttrCase<"GeluTanh", 3, "gelu_tanh">,
    I32EnumAttrCase<"Silu", 4, "silu">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::xf";
}

def Xf_ActivationAttr : EnumAttr<Xf_Dialect, Xf_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Xf_FloatTensor : RankedTensorOf<[F32]>;
def Xf_IdTensor : RankedTensorOf<[I64]>;
def Xf_MaskTensor : RankedTensorOf<[I1]>;
def Xf_AnyTensor : RankedTensorOf<[F32, I64, I1]>;
/// A trained parameter as the compiled code reads it: f32, or a linear
/// layer's weight in reduced precision (bf16, or i8 with per-row scales).
def Xf_ParamTensor : RankedTensorOf<[F32, BF16, I8]>;
def Xf_LowPrecisionWeight : RankedTensorOf<[BF16, I8]>;

//===----------------------------------------------------------------------===//
// Base op classes
//===----------------------------------------------------------------------===//

class Xf_Op<string mnemonic, list<Trait> traits = []>
    : Op<Xf_Dialect, mnemonic, traits>;

#endif // XF_DIALECT_TD
