//===- Passes.td - Code generation passes of xfc -----------*- tablegen -*-===//
//
// The passes that take fused xf IR toward machine code: the ABI step that
// turns parameters into arguments, and the conversion to linalg.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_PASSES_TD
#define XF_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

def XfParamsToArgumentsPass : Pass<"xf-params-to-arguments", "ModuleOp"> {
  let summary = "turns every xf.param into a trailing function argument";
  let description = [{
    The compiled library receives its weights from the runtime, which maps
    them from the weights file. This pass gives each entry function one
    argument per distinct parameter, after its inputs, in first-use order, and
    records their names in the `xf.params` attribute of the function (the
    manifest reads it).

    Before:
    ```mlir
    func.func @f(%x: tensor<?x4xf32>) -> tensor<?x8xf32> {
      %w = xf.param "fc.weight" : tensor<8x4xf32>
      ...
    }
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<?x4xf32>, %w: tensor<8x4xf32>) -> tensor<?x8xf32>
        attributes {xf.params = ["fc.weight"]} { ... }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def ConvertXfToLinalgPass : Pass<"convert-xf-to-linalg", "ModuleOp"> {
  let summary = "lowers xf ops to linalg, tensor, arith and math on tensors";
  let description = [{
    Each op becomes `linalg.generic`s (or named linalg ops) on tensors:
    matmul transposes and broadcasting become indexing maps (no copies),
    softmax and norms become reductions plus elementwise generics, masks and
    position tables are computed from indices. `xf.attention` is first
    decomposed into the unfused ops (matmul, scale, masks, softmax, matmul).
    Dynamic dims that meet in broadcasting are assumed equal, as in other
    tensor compilers; the runtime checks batch sizes before it calls in.
  }];
  let options = [
    Option<"cpuAttention", "cpu-attention", "bool", /*default=*/"false",
           "Lower xf.attention with the flash-style CPU kernel where it "
           "applies (codegen/CPU/FlashAttention.cpp)">,
    Option<"gpuKernels", "gpu-kernels", "bool", /*default=*/"false",
           "Replace xf.attention and the norms, where the GPU kernels apply, "
           "by calls of declarations xf-gpu-define-kernels defines "
           "(codegen/GPU/KernelCalls.h)">,
    ListOption<"halideKernels", "halide-kernels", "std::string",
               "Op classes (matmul, attention, norm, elementwise, embedding, "
               "positions) "
               "replaced, where the Halide kernels cover them, by calls of "
               "declarations "
               "xf-halide-define-kernels defines (codegen/Halide)">,
    Option<"halideExplain", "halide-explain", "bool", /*default=*/"false",
           "A remark per op of those classes: Halide kernel, or why not">
  ];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect", "::mlir::tensor::TensorDialect",
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::xf::XfDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::vector::VectorDialect", "::mlir::scf::SCFDialect",
    "::mlir::memref::MemRefDialect", "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def XfFuseElementwisePass : Pass<"xf-fuse-elementwise", "func::FuncOp"> {
  let summary = "fuses elementwise producers into elementwise consumers";
  let description = [{
    linalg's producer/consumer fusion of elementwise generics (so chains like
    scale → mask → exp are not materialized), restricted to producers with
    one use and consumers without a reduction loop: fused into a matmul, a
    producer such as ReLU(x + b) would be recomputed for every output column
    and hide the matmul from the CPU kernel. First, every fill of a fresh
    tensor is redone right before each of its uses (CSE leaves one zero
    accumulator for all matmuls, which bufferization would copy per use).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def XfApproximateMathPass : Pass<"xf-approximate-math"> {
  let summary = "replaces exp, tanh and erf by vectorizable polynomials";
  let description = [{
    libm's `expf` is scalar, sets errno and takes a slow path on underflow,
    which every masked attention score (-1e9) hits. MLIR's polynomial
    approximations (accurate to a few ulp in f32) vectorize and never call
    out. `sin`/`cos` (position tables, rotary angles) keep libm: their
    arguments reach thousands of radians.
  }];
  let dependentDialects = [
    "::mlir::math::MathDialect", "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def XfDropStateResultsPass : Pass<"xf-drop-state-results", "ModuleOp"> {
  let summary = "generation entries stop returning the caches they update";
  let description = [{
    On buffers: a function result marked `xf.state` (a cache a generation
    entry updates) must be the function's own argument buffer (through
    casts); the result is removed from the signature and the return, so the
    entry writes the runtime's cache in place and returns only its output.
    Fails, naming the entry, when bufferization gave a state result a buffer
    of its own (a copy of the cache per step). Runs after
    `drop-equivalent-buffer-results`, which does the same for the private
    layer functions but leaves public entries alone.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def XfCpuUnalignedResultsPass : Pass<"xf-cpu-unaligned-results", "ModuleOp"> {
  let summary = "buffers returned by public functions ask for no alignment";
  let description = [{
    On buffers: a `memref.alloc` whose buffer a public function returns
    (directly or through casts and reshapes) loses its `alignment`. The
    LLVM lowering then uses the allocator's block as is (malloc's 16 bytes)
    instead of over-allocating and rounding the pointer up, so the result
    is a whole malloc block and the runtime hands it to the caller without
    a copy (4.5% of a 1024x2048 linear layer's time was that copy).
  }];
}

def XfNameOpLocationsPass : Pass<"xf-name-op-locations", "ModuleOp"> {
  let summary = "each xf op's location names the op (for --profile)";
  let description = [{
    Wraps every xf op's location in a name location, `"xf.matmul"(loc)`,
    which the ops its lowering creates inherit: after bufferization and
    loop lowering, `xf-cpu-profile-regions` still knows which xf ops a loop
    nest or call came from. Marks the functions defined so far (entries,
    layers) `xf_profile_scope`: those are timed inside, the functions the
    lowering adds (kernels, helpers) as calls.
  }];
}

def XfCpuProfileRegionsPass : Pass<"xf-cpu-profile-regions", "ModuleOp"> {
  let summary = "times every kernel of the public functions (xfc --profile)";
  let description = [{
    After the CPU loop lowering, each unit of work of a function marked
    `xf_profile_scope` (a parallel region, a call of an unmarked function,
    or a loop nest that contains neither) is
    bracketed by `%t = call @xf_profile_begin()` and `call
    @xf_profile_end(%t, id, flops)`, which add its time, one call and its
    flops to slot `id` of the global `xf_profile_slots` (i64 triples:
    nanoseconds, calls, flops; flops 2·M·N·K for a call of a linear
    layer's kernel `xf_linear_*`, else 0). The
    global `xf_profile_names` describes the slots, one line each:
    `CLASS	OPS	LOCATION`, the class (linear, attention, norm,
    elementwise, embedding, cache, data, other) from the xf ops named in
    the unit's locations (xf-name-op-locations). A unit inside a loop that
    holds several (a loop over layers) is timed on each iteration.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def XfCpuLoopSchedulePass : Pass<"xf-cpu-loop-schedule", "ModuleOp"> {
  let summary = "OpenMP worksharing loops split into ranges the threads claim";
  let description = [{
    After convert-scf-to-openmp: every `omp.wsloop` that is only a loop nest
    in an `omp.parallel` becomes 16 contiguous ranges of its collapsed
    iteration space, each run by the thread that first claims it through
    its atomic counter (16 counters, allocated and zeroed before the
    parallel region); a range recovers its first indices (innermost
    fastest) and steps them with carries. Thread t of p visits the ranges
    from t*16/p on: its own block first, so a loop run again (the same
    layer at the next generation step) gives each core the same rows of
    the weights as before, still in its caches (a guided split handed them
    to whichever thread came first; a generation step read its weights
    about 4% faster with owned ranges, and a 32 MB weight against one row
    10-30%); then the others' ranges that nobody has started, so a core
    slowed by other work on a shared machine hands over all but its
    current range (a static split made every loop wait for its slowest
    core). A body without loops of its own (elementwise work) runs its
    innermost dimension in blocks of 1024 iterations, each a whole inner
    loop that LLVM vectorizes, and the ranges split the other dimensions
    and the blocks (scalar elementwise loops were 16% of a B=4 forward;
    now 2.5%). No OpenMP dispatcher is used (Debian's libomp formatted
    debugging strings on every chunk it dealt out: 10% of
    a decode step's time). When the loop is its region's only work and its
    bounds come from outside the region, the trip counts are computed
    before the region and decide whether it forks at all (`omp.parallel
    if`): two iterations or more, 16384 elements or more for elementwise
    work; smaller work runs on the calling thread alone (a toy model's
    forward at 2 threads: 0.43 -> 0.26 ms). Other loops (clauses, nested
    parallel regions; the CPU pipeline makes none) are left as they are.
  }];
  let dependentDialects = [
    "::mlir::omp::OpenMPDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def XfCpuMatmulKernelPass : Pass<"xf-cpu-matmul-kernel", "ModuleOp"> {
  let summary = "outer-product kernel for x · Wᵀ with a static weight W";
  let description = [{
    On buffers: every linalg.generic tagged `xf.weight_matmul` (rows of x
    times a static [N, K] weight) becomes a call of an outer-product kernel.
    x is packed per call into panels of 16 rows stored column by column
    ([ceil(M/16), K, 16], rows past M zero; 16x16 register transposes for
    full panels). W is read as stored. The tile's shape comes from the
    module's `xf.cpu_kernel_config` (`matmul_panels` P, `matmul_cols` C,
    `matmul_k_unroll`; without it the AVX-512 shape P = 2, C = 12, unroll
    4; xfc sets P = 1, C = 6 for CPUs without AVX-512). One parallel loop
    over chunks of 16 panels x blocks of about 96 columns (whole strips)
    runs row bands of P panels, each across the block's strips left to
    right, in tiles of P panels x C columns: P·C vector accumulators
    across K, each step P vector loads of x and C broadcast loads of W for
    P·C FMAs; leftover panels get 1-panel tiles. When C does not divide N,
    the last strip shifts left to end at column N and masks off the
    columns its neighbour stores; a weight of fewer than C rows is copied,
    zero-padded, into C rows at the call site. Results
    are transposed back into rows and stored (masked to the strip's
    columns) only for rows that exist. The kernel is one private
    function per K (`xf_linear_k<K>`, internal, noinline; M and N dynamic),
    shared by every layer with that K.

    A generic tagged "bf16" or "int8" (an `xf.quantized_linear`) gets the
    same kernel shapes on groups of K: a 32-bit lane holds 2 bf16 or 4 i8
    values of K, and a multiply-accumulate is AVX512-BF16's `vdpbf16ps` or
    AVX512-VNNI's `vpdpbusd` (with `avx512bf16` / `vnni`; else the same
    arithmetic in f32 FMAs or 32-bit integer ops). x's rows are converted
    per call, rounded to bf16 or quantized to i8 with a scale and a sum per
    row, into rows for the streaming shapes or panels [P, groups, 16 x
    group] for the tiles. An i8 weight arrives as unsigned bytes q + 128
    (xf/abi.h): an output is `f32(Σ (q_w + 128)·q_x − 128·Σ q_x) ·
    (row scale · weight scale)`, the same float operations as the
    interpreter's. Kernels are `xf_linear_bf16_k<K>` and `xf_linear_int8_k<K>`.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect",
    "::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect"
  ];
  let options = [
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "int8 products with AVX512-VNNI's vpdpbusd">,
    Option<"avx512bf16", "avx512bf16", "bool", /*default=*/"false",
           "bf16 products with AVX512-BF16's vdpbf16ps">,
  ];
}

def XfGpuMatmulKernelPass : Pass<"xf-gpu-matmul-kernel", "func::FuncOp"> {
  let summary = "tiled GEMM launches for the matmuls of a GPU target";
  let description = [{
    On buffers, before xf-gpu-map-loops: every `linalg.generic` that is a
    (batched) matmul (two f32 inputs, one reduction loop, body
    `out + a * b`, output indexed by all parallel loops, the last two being
    rows and columns) becomes one `gpu.launch` of a shared-memory tiled
    kernel. A workgroup of 256 threads computes a 64x64 tile of C, one
    workgroup per tile and batch element (grid-stride over the batch): per
    step of 16 along K it stages a 64x16 slice of each operand in workgroup
    memory as vectors of 4 floats, one of each operand per thread (loads
    ordered along the operand's contiguous dimension, so they coalesce;
    the next step's are loaded into registers before this step's FMAs),
    synchronizes, and each thread accumulates a 4x4 block of C in
    registers (rows 4ty + i, columns 4tx + j), reading one vector of A
    and one of B per k. Edges (M, N, K not
    multiples of the tile) load zeros and skip stores. Operands may be
    transposed or broadcast (any projected permutation, as the xf→linalg
    conversion writes them); a `linalg.fill` of C right before becomes the
    accumulators' initial value, otherwise C's old contents are added.
    The tile is stored through workgroup memory by a loop along C's rows
    (coalesced). An elementwise generic right after that reads C (bias,
    activation, residual add) runs in that loop instead of as a kernel of
    its own, when it works in place or C has no other reader, and does not
    write the matmul's operands. Operands are flat buffers, as in
    xf-gpu-map-loops.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::math::MathDialect", "::mlir::vector::VectorDialect"
  ];
}

def XfHalideDefineKernelsPass : Pass<"xf-halide-define-kernels", "ModuleOp"> {
  let summary = "defines the Halide kernel calls the xf→linalg conversion "
                "declared";
  let description = [{
    With `halide-kernels`, convert-xf-to-linalg replaces the chosen ops by
    calls on buffers of private declarations marked `xf.halide_kernel`
    ({kind, spec}). On buffers, this pass gives each declaration its body:
    one `halide_buffer_t` (and its `halide_dimension_t`s, innermost first)
    per memref argument, built on the stack, and a call of the Halide
    pipeline `xf_hl_<declaration>(inputs..., out)`, which xf-halide compiles
    from the spec. The module gets `xf.halide_kernels`, one spec line per
    kernel (halide/KernelSpec.h), for the driver to hand to xf-halide.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect"
  ];
}

def XfGpuDefineKernelsPass : Pass<"xf-gpu-define-kernels", "ModuleOp"> {
  let summary = "defines the hand-written GPU kernels the xf→linalg "
                "conversion declared";
  let description = [{
    With `gpu-kernels`, convert-xf-to-linalg replaces xf.attention,
    xf.layer_norm and xf.rms_norm, where the kernels apply, by calls on
    buffers of private declarations carrying a spec (`xf.gpu_kernel`). On
    buffers, after deallocation (which does not model workgroup memory or
    barriers), this pass gives each declaration its body, one `gpu.launch`:
    - attention (codegen/GPU/FlashAttention.cpp): a workgroup of 64 threads
      per 64 query rows, head and batch element; one thread per row with q,
      the running max, sum and output row in registers; 32-key blocks of K
      and V staged in workgroup memory; masks from key ids and positions;
    - norm (codegen/GPU/NormKernel.cpp): a workgroup of 128 threads per row,
      sums reduced as a tree in workgroup memory, residual add fused.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::math::MathDialect", "::mlir::func::FuncDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def XfGpuMapLoopsPass : Pass<"xf-gpu-map-loops", "func::FuncOp"> {
  let summary = "turns each outermost scf.parallel into a gpu.launch over "
                "flat buffers";
  let description = [{
    The GPU sibling of the CPU's OpenMP step. Every outermost `scf.parallel`
    of a host function becomes one `gpu.launch`: its iteration space is
    linearized, spread over blocks of `block-size` threads with a grid-stride
    loop (so any size fits the grid limits of CUDA and Vulkan), and
    delinearized back to the loop's induction variables; the last loop
    dimension varies fastest across threads, so row-major accesses coalesce.

    Buffers are flattened on the host: each memref the loop reads or writes
    becomes a 1-D `memref<?xT>` over its base allocation plus index scalars
    (offset and strides), and every `memref.load`/`memref.store` in the body
    indexes it linearly. Kernels thus take only 1-D buffers and scalars, the
    one calling convention both NVVM and SPIR-V (which has no strided
    descriptors) lower. Nested `scf.parallel`s run sequentially in a thread.
    `memref.copy`s (bufferization's) become parallel loops first, so they
    run on the device too. Afterwards, host code may touch only buffers no
    kernel uses (reshape shapes, deallocation bookkeeping).
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
    Option<"maxBlocks", "max-blocks", "int64_t", /*default=*/"65535",
           "Grid size limit (Vulkan guarantees 65535 per dimension)">
  ];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect",
    "::mlir::linalg::LinalgDialect"
  ];
}

def XfGpuMergeKernelModulesPass
    : Pass<"xf-gpu-merge-kernel-modules", "ModuleOp"> {
  let summary = "moves every outlined kernel into one gpu.module @xf_kernels";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel. The library
    embeds one binary (one PTX module, one SPIR-V module with an entry point
    per kernel), so the kernels are gathered into a single module and the
    launches' symbol references updated. Kernels that differ only in their
    names (one per launch site: the q, k and v projections of a layer
    outline three equal GEMMs) are kept once: fewer kernels to compile, here
    and in the driver at load time.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def XfGpuLaunchToRuntimePass : Pass<"xf-gpu-launch-to-runtime", "ModuleOp"> {
  let summary = "replaces gpu.launch_func by calls into the xfc runtime";
  let description = [{
    No MLIR runtime wrapper library is assumed (Debian ships none): each
    `gpu.launch_func` becomes a call
    `xf_gpu_launch(kernel, gx, gy, gz, bx, by, bz, args)` where `kernel` is
    the kernel's position in the module's kernel table and `args` the address
    of an i64 array holding, per kernel operand, a buffer's address or a
    scalar's bits. The table (`xf.gpu_kernels` on the module: one
    "name:kinds" string per kernel, kinds `m` buffer, `i` index, `l` i64,
    `w` i32, `f` f32) tells the runtime how to pass them. The `gpu.module`s
    are erased: the driver has compiled them to PTX or SPIR-V before.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
    "::mlir::arith::ArithDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

#endif // XF_CODEGEN_PASSES_TD
