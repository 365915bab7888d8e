//===- XfOps.td - Operations of the xf dialect -------------*- tablegen -*-===//
//
// Every op a Transformer needs at framework granularity, plus the fused
// attention op. Result types are inferred from operands and attributes (except
// where only the caller knows them: `xf.param`, `xf.reshape`); the inference
// functions double as the verifiers and report precise shape errors.
//
//===----------------------------------------------------------------------===//

#ifndef XF_OPS_TD
#define XF_OPS_TD

include "dialect/IR/XfDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// A pure op whose result type is inferred from its operands and attributes;
/// a declared result type must equal the inferred one.
class Xf_InferredOp<string mnemonic, list<Trait> traits = []>
    : Xf_Op<mnemonic, !listconcat(traits, [Pure,
          InferTypeOpAdaptor])>;

//===----------------------------------------------------------------------===//
// Parameters, embeddings, positions
//===----------------------------------------------------------------------===//

def Xf_ParamOp : Xf_Op<"param", [Pure]> {
  let summary = "a named, trained parameter read from the weights file";
  let description = [{
    Yields the tensor stored under `name` in the model's weights file
    (a PyTorch `state_dict` name). Its shape is static: the runtime checks the
    file against it when weights are bound.

    ```mlir
    %w = xf.param "encoder.layers.0.enc_self_attn.W_Q.weight" : tensor<512x512xf32>
    ```

    A 2-D parameter may be read in reduced precision (the linear layers of
    `--precision=bf16|int8`): as `bf16`, each value rounded to the nearest
    bf16 (ties to even); as `i8`, each row `n` quantized symmetrically,
    `q = roundeven(w · 127 / max|w[n, :]|)` (all zero for a zero row), with
    the row's scale `max|w[n, :]| / 127` given by `xf.weight_scales`.

    ```mlir
    %q = xf.param "fc.weight" : tensor<2048x512xi8>
    ```

    With `transposed`, the file stores the 2-D parameter's transpose (a
    GPT-2 `Conv1D` weight is `[in, out]` where `nn.Linear`'s is
    `[out, in]`): the value is the stored tensor transposed, as the
    interpreter reads it and the runtime packs it once at load.

    ```mlir
    %w = xf.param "h.0.mlp.c_fc.weight" transposed : tensor<3072x768xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name, UnitAttr:$transposed);
  let results = (outs Xf_ParamTensor:$result);
  let assemblyFormat = "$name (`transposed` $transposed^)? attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Xf_WeightScalesOp : Xf_Op<"weight_scales", [Pure]> {
  let summary = "the per-row scales and sums of an i8 parameter";
  let description = [{
    Row 0: the scale of each row of parameter `name` read as `i8` (see
    `xf.param`), `max|w[n, :]| / 127`, so that `w[n, k] ≈ q[n, k] · scale[n]`;
    row 1: each row's sum of q, `Σ_k q[n, k]` (an integer, exact in f32
    for K < 2^17), which an asymmetrically quantized input needs (see
    `xf.quantized_linear`). A weights file may store the values and scales
    already quantized (see docs/precision.md); the sums are computed at load.

    ```mlir
    %s = xf.weight_scales "fc.weight" : tensor<2x2048xf32>
    ```
  }];
  let arguments = (ins StrAttr:$name);
  let results = (outs RankedTensorOf<[F32], [HasStaticShapePred, HasAnyRankOfPred<[2]>]>:$result);
  let assemblyFormat = "$name attr-dict `:` type($result)";
}

def Xf_EmbeddingOp : Xf_InferredOp<"embedding"> {
  let summary = "gathers rows of an embedding table by token id";
  let description = [{
    `result[i..., :] = table[ids[i...], :]`, as `nn.Embedding`. Ids outside
    `[0, rows)` are a run-time error.

    ```mlir
    %x = xf.embedding %table, %ids : tensor<6x512xf32>, tensor<?x?xi64>
    // %x : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$table, Xf_IdTensor:$ids);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` type($table) `,` type($ids)
  }];
}

def Xf_SinusoidTableOp : Xf_InferredOp<"sinusoid_table"> {
  let summary = "the sinusoidal position table of `length` rows";
  let description = [{
    `result[p, 2i] = sin(p / 10000^(2i/dim))`,
    `result[p, 2i+1] = cos(p / 10000^(2i/dim))` for `p < length`: the rows of
    the "Attention Is All You Need" table that a sequence of `length` uses.
    `dim` must be even.

    ```mlir
    %pe = xf.sinusoid_table %len {dim = 512 : i64}
    // %pe : tensor<?x512xf32>
    ```
  }];
  let arguments = (ins Index:$length, I64Attr:$dim);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$length attr-dict";
}

def Xf_ArangeOp : Xf_InferredOp<"arange"> {
  let summary = "the positions 0, 1, ..., length-1";
  let description = [{
    Used to look up learned position embeddings.

    ```mlir
    %pos = xf.arange %len
    // %pos : tensor<?xi64>
    ```
  }];
  let arguments = (ins Index:$length);
  let results = (outs Xf_IdTensor:$result);
  let assemblyFormat = "$length attr-dict";
}

def Xf_PositionsOp : Xf_InferredOp<"positions"> {
  let summary = "each row's positions, continuing from its own offset";
  let description = [{
    `result[b, t] = offsets[b] + t` for `t < length`: the positions of the
    `length` newest tokens of each sequence when row `b` already holds
    `offsets[b]` tokens (a generation step), used to look up position
    embeddings or rotate queries and keys.

    ```mlir
    %p = xf.positions %past, %len : tensor<?xi64>
    // %p : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Xf_IdTensor:$offsets, Index:$length);
  let results = (outs Xf_IdTensor:$result);
  let assemblyFormat = "$offsets `,` $length attr-dict `:` type($offsets)";
}

def Xf_SinusoidOp : Xf_InferredOp<"sinusoid"> {
  let summary = "the sinusoidal position vectors of given positions";
  let description = [{
    `result[..., 2i] = sin(p / 10000^(2i/dim))`,
    `result[..., 2i+1] = cos(p / 10000^(2i/dim))` with `p = positions[...]`:
    the rows of `xf.sinusoid_table` at arbitrary positions (a generation
    step's, which do not start at 0). `dim` must be even.

    ```mlir
    %pe = xf.sinusoid %p {dim = 512 : i64} : tensor<?x?xi64>
    // %pe : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_IdTensor:$positions, I64Attr:$dim);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$positions attr-dict `:` type($positions)";
}

//===----------------------------------------------------------------------===//
// Linear algebra and data movement
//===----------------------------------------------------------------------===//

def Xf_MatmulOp : Xf_InferredOp<"matmul"> {
  let summary = "batched matrix product with broadcasting batch dims";
  let description = [{
    `torch.matmul` on operands of rank >= 2: the last two dims multiply, the
    leading (batch) dims broadcast. `transpose_a` / `transpose_b` read an
    operand's last two dims swapped, so `x · Wᵀ` with `W` stored `[out, in]`
    needs no transpose in memory. The frontend always emits them false; the
    transpose-folding pass sets them. An epilogue may follow the product:
    `bias` (a vector of the last dim) is added, then `activation` applied; the
    epilogue-fusion pass sets them.

    ```mlir
    %y = xf.matmul %x, %w bias(%b : tensor<2048xf32>)
        {transpose_b = true, activation = #xf.activation<relu>}
        : tensor<?x?x512xf32>, tensor<2048x512xf32>
    // %y : tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$lhs, Xf_FloatTensor:$rhs,
                   Optional<Xf_FloatTensor>:$bias,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_a,
                   DefaultValuedAttr<BoolAttr, "false">:$transpose_b,
                   DefaultValuedAttr<Xf_ActivationAttr,
                                     "::mlir::xf::Activation::None">:$activation);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:`
    type($lhs) `,` type($rhs)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs,
                   "bool":$transposeA, "bool":$transposeB), [{
      build($_builder, $_state, lhs, rhs, /*bias=*/nullptr, transposeA,
            transposeB, ::mlir::xf::Activation::None);
    }]>
  ];
}

def Xf_QuantizedLinearOp : Xf_InferredOp<"quantized_linear",
                                         [AttrSizedOperandSegments]> {
  let summary = "x · Wᵀ with W stored in bf16 or i8, then the epilogue";
  let description = [{
    A linear layer whose weight `W` ([N, K], `nn.Linear`'s layout) is read in
    reduced precision; created by `xf-reduce-precision`. Every row of `x`
    ([..., K]) is converted like the weight, the products are accumulated
    exactly or in f32, then `bias` and `activation` apply as on `xf.matmul`:
    - `bf16` weight: `y[n] = Σ_k bf16(x[k]) · W[n, k]`, f32 accumulation;
    - `i8` weight with `scales` (`xf.weight_scales`, `[2, N]`): each row of
      `x` quantized asymmetrically over `[lo, hi] = [min(x, 0), max(x, 0)]`:
      `inv = 255 / (hi - lo)`, `z = roundeven(-lo · inv) - 128`,
      `q = clamp(roundeven(x · inv) + z, -128, 127)`, `s = (hi - lo) / 255`
      (`q`, `z`, `s` zero when `hi = lo`), so that `x ≈ s · (q - z)`; then
      `y[n] = f32(Σ_k (q[k] - z) · W[n, k]) · (s · scales[0, n])`, the sum in
      32-bit integers (`scales[1, n] = Σ_k W[n, k]` lets a kernel take `z`
      out of the sum).

    ```mlir
    %y = xf.quantized_linear %x, %q scales(%s : tensor<2x2048xf32>)
        bias(%b : tensor<2048xf32>) {activation = #xf.activation<relu>}
        : tensor<?x?x512xf32>, tensor<2048x512xi8>
    // %y : tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input, Xf_LowPrecisionWeight:$weight,
                   Optional<Xf_FloatTensor>:$scales,
                   Optional<Xf_FloatTensor>:$bias,
                   DefaultValuedAttr<Xf_ActivationAttr,
                                     "::mlir::xf::Activation::None">:$activation);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`scales` `(` $scales^ `:` type($scales) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:`
    type($input) `,` type($weight)
  }];
}

def Xf_TransposeOp : Xf_InferredOp<"transpose"> {
  let summary = "permutes the dims of a tensor";
  let description = [{
    `result` dim `i` is `input` dim `permutation[i]`. Transposes of
    transposes and identity permutations fold away.

    ```mlir
    %t = xf.transpose %x [1, 0, 2] : tensor<?x?x512xf32>
    // %t : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_AnyTensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Xf_ReshapeOp : Xf_Op<"reshape", [Pure]> {
  let summary = "reinterprets a tensor's elements (row-major) under a new shape";
  let description = [{
    `view`/`reshape` of a contiguous tensor. Each dynamic dim of the result
    takes its size from one `index` operand, in order. Identity reshapes and
    reshape chains fold.

    ```mlir
    %h = xf.reshape %x (%b, %s) : tensor<?x?x512xf32> -> tensor<?x?x8x64xf32>
    ```
  }];
  let arguments = (ins Xf_AnyTensor:$input, Variadic<Index>:$dynamic_dims);
  let results = (outs Xf_AnyTensor:$result);
  let assemblyFormat = [{
    $input (`(` $dynamic_dims^ `)`)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

/// A binary float op with numpy/PyTorch broadcasting.
class Xf_BinaryOp<string mnemonic, string formula>
    : Xf_InferredOp<mnemonic> {
  let summary = "elementwise `" # formula # "` with broadcasting";
  let description = [{
    Elementwise `}] # formula # [{` on the operands broadcast against each
    other (trailing dims align; a dim of 1 stretches).

    ```mlir
    %r = xf.}] # mnemonic # [{ %a, %b : tensor<?x?x512xf32>, tensor<?x1x512xf32>
    // %r : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$lhs, Xf_FloatTensor:$rhs);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)
  }];
}

def Xf_AddOp : Xf_BinaryOp<"add", "lhs + rhs">;
def Xf_SubOp : Xf_BinaryOp<"sub", "lhs - rhs">;
def Xf_MulOp : Xf_BinaryOp<"mul", "lhs * rhs">;
def Xf_DivOp : Xf_BinaryOp<"div", "lhs / rhs">;

def Xf_ScaleOp : Xf_InferredOp<"scale"> {
  let summary = "multiplies every element by a constant";
  let description = [{
    `result = input * factor`, e.g. attention scores by `1/sqrt(d_k)`. Scale
    by 1 folds away; scales of scales combine.

    ```mlir
    %s = xf.scale %x by 1.250000e-01 : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input, F32Attr:$factor);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input `by` $factor attr-dict `:` type($input)";
  let hasFolder = 1;
  let hasCanonicalizeMethod = 1;
}

/// A unary float activation.
class Xf_ActivationOp<string mnemonic, string formula>
    : Xf_InferredOp<mnemonic> {
  let summary = "elementwise " # mnemonic;
  let description = [{
    `result = }] # formula # [{`.

    ```mlir
    %r = xf.}] # mnemonic # [{ %x : tensor<?x?x2048xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Xf_ReluOp : Xf_ActivationOp<"relu", "max(x, 0)">;
def Xf_SiluOp : Xf_ActivationOp<"silu", "x * sigmoid(x)">;
def Xf_TanhOp : Xf_ActivationOp<"tanh", "tanh(x)">;
def Xf_GeluOp : Xf_ActivationOp<"gelu",
    "x/2 * (1 + erf(x/sqrt(2))), or with `tanh` set "
    "x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))"> {
  let arguments = (ins Xf_FloatTensor:$input,
                   DefaultValuedAttr<BoolAttr, "false">:$tanh);
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Xf_SoftmaxOp : Xf_InferredOp<"softmax"> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis` (0 <= axis < rank).

    ```mlir
    %p = xf.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input, I64Attr:$axis);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Xf_LayerNormOp : Xf_InferredOp<"layer_norm", [AttrSizedOperandSegments]> {
  let summary = "layer normalization over the last axis";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * weight + bias` over the last axis,
    with the biased variance, as `nn.LayerNorm`. `weight` and `bias` are
    optional (the seed model's LayerNorm has neither). With `residual`, x is
    `input + residual` (a residual add fused in: the sum is never stored).

    ```mlir
    %n = xf.layer_norm %x weight(%g : tensor<512xf32>)
        bias(%b : tensor<512xf32>) {epsilon = 1.0e-05 : f32} : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input,
                   Optional<Xf_FloatTensor>:$weight,
                   Optional<Xf_FloatTensor>:$bias,
                   Optional<Xf_FloatTensor>:$residual,
                   DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`residual` `(` $residual^ `:` type($residual) `)`)?
    (`weight` `(` $weight^ `:` type($weight) `)`)?
    (`bias` `(` $bias^ `:` type($bias) `)`)? attr-dict `:` type($input)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::Value":$weight,
                   "::mlir::Value":$bias, "::mlir::FloatAttr":$epsilon), [{
      build($_builder, $_state, input, weight, bias, /*residual=*/nullptr,
            epsilon);
    }]>
  ];
}

def Xf_RmsNormOp : Xf_InferredOp<"rms_norm"> {
  let summary = "root-mean-square normalization over the last axis";
  let description = [{
    `x / sqrt(mean(x^2) + epsilon) * weight`, with `weight` optional.

    ```mlir
    %n = xf.rms_norm %x weight(%g : tensor<512xf32>) {epsilon = 1.0e-06 : f32}
        : tensor<?x?x512xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input,
                   Optional<Xf_FloatTensor>:$weight,
                   DefaultValuedAttr<F32Attr, "1.0e-6">:$epsilon);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`weight` `(` $weight^ `:` type($weight) `)`)? attr-dict `:`
    type($input)
  }];
}

def Xf_RopeOp : Xf_InferredOp<"rope"> {
  let summary = "rotary position embedding over the last two dims";
  let description = [{
    For `input` of shape `[..., L, D]` (D even) the position of a row is its
    index `p` along dim `rank-2`; each pair `(x[i], x[i + D/2])` is rotated
    by the angle `p · base^(-2i/D)` (the rotate-half convention of
    GPT-NeoX/LLaMA): `x·cos + rotate_half(x)·sin`. With `positions`
    (`[B, L]`, B the input's first dim) row `l` of batch `b` is at
    `positions[b, l]` instead (a generation step's queries and keys).

    ```mlir
    %r = xf.rope %q {base = 1.000000e+04 : f32} : tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input,
                   Optional<Xf_IdTensor>:$positions,
                   DefaultValuedAttr<F32Attr, "10000.0">:$base);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`positions` `(` $positions^ `:` type($positions) `)`)? attr-dict
    `:` type($input)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "::mlir::FloatAttr":$base), [{
      build($_builder, $_state, input, /*positions=*/nullptr, base);
    }]>
  ];
}

//===----------------------------------------------------------------------===//
// Caches
//===----------------------------------------------------------------------===//

def Xf_CacheWriteOp : Xf_InferredOp<"cache_write"> {
  let summary = "writes new rows into a key or value cache at each row's length";
  let description = [{
    Returns `cache` with `rows` written along `axis` (the sequence axis) at
    `offsets[b]` in batch row `b` (at 0 without `offsets`):
    `result[b, ..., offsets[b] + t, ...] = rows[b, ..., t, ...]`; every other
    element is `cache`'s. All dims but `axis` agree; dim 0 is the batch.
    A write past the cache's capacity is a run-time error (the runtime's
    generation state checks it before a step). After bufferization the write
    happens in place: a step never copies the cache.

    ```mlir
    %kc2 = xf.cache_write %k into %kc offsets(%past : tensor<?xi64>)
        {axis = 3 : i64} : tensor<?x8x64x?xf32>, tensor<?x8x64x?xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$rows, Xf_FloatTensor:$cache,
                   Optional<Xf_IdTensor>:$offsets, I64Attr:$axis);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $rows `into` $cache (`offsets` `(` $offsets^ `:` type($offsets) `)`)?
    attr-dict `:` type($rows) `,` type($cache)
  }];
}

//===----------------------------------------------------------------------===//
// Masks
//===----------------------------------------------------------------------===//

def Xf_PaddingMaskOp : Xf_InferredOp<"padding_mask"> {
  let summary = "blocks the keys that are padding tokens";
  let description = [{
    For key ids `[B, L]`: `result[b, 0, k] = (ids[b, k] == pad_id)`; true
    means blocked. The `1` query dim broadcasts over the queries.

    ```mlir
    %m = xf.padding_mask %src {pad_id = 0 : i64} : tensor<?x?xi64>
    // %m : tensor<?x1x?xi1>
    ```
  }];
  let arguments = (ins Xf_IdTensor:$ids, DefaultValuedAttr<I64Attr, "0">:$pad_id);
  let results = (outs Xf_MaskTensor:$result);
  let assemblyFormat = "$ids attr-dict `:` type($ids)";
}

def Xf_CausalMaskOp : Xf_InferredOp<"causal_mask"> {
  let summary = "blocks the keys after each query";
  let description = [{
    `result[q, k] = (k > q)` for `q < query_length`, `k < key_length`: the
    upper triangle of the decoder's self-attention. With `offsets` (`[B]`,
    a generation step over a cache) query `q` of row `b` is at position
    `offsets[b] + q`: `result[b, q, k] = (k > offsets[b] + q)`, of shape
    `[B, query_length, key_length]`; this also blocks the cache rows past
    the row's length.

    ```mlir
    %c = xf.causal_mask %t, %t
    // %c : tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Index:$query_length, Index:$key_length,
                   Optional<Xf_IdTensor>:$offsets);
  let results = (outs Xf_MaskTensor:$result);
  let assemblyFormat = [{
    $query_length `,` $key_length
    (`offsets` `(` $offsets^ `:` type($offsets) `)`)? attr-dict
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$queryLength, "::mlir::Value":$keyLength), [{
      build($_builder, $_state, queryLength, keyLength, /*offsets=*/nullptr);
    }]>
  ];
}

def Xf_OrOp : Xf_InferredOp<"or"> {
  let summary = "union of two masks, with broadcasting";
  let description = [{
    ```mlir
    %m = xf.or %pad, %causal : tensor<?x1x?xi1>, tensor<?x?xi1>
    // %m : tensor<?x?x?xi1>
    ```
  }];
  let arguments = (ins Xf_MaskTensor:$lhs, Xf_MaskTensor:$rhs);
  let results = (outs Xf_MaskTensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)
  }];
}

def Xf_MaskedFillOp : Xf_InferredOp<"masked_fill"> {
  let summary = "replaces the masked elements by a constant";
  let description = [{
    `result = mask ? value : input`, with `mask` broadcast to `input`'s shape,
    as `Tensor.masked_fill`. The seed model fills blocked scores with -1e9.

    ```mlir
    %f = xf.masked_fill %s, %m {value = -1.0e+09 : f32}
        : tensor<?x8x?x?xf32>, tensor<?x1x?x?xi1>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$input, Xf_MaskTensor:$mask, F32Attr:$value);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $mask attr-dict `:` type($input) `,` type($mask)
  }];
}

//===----------------------------------------------------------------------===//
// Fused attention
//===----------------------------------------------------------------------===//

def Xf_AttentionOp : Xf_InferredOp<"attention", [AttrSizedOperandSegments]> {
  let summary = "fused scaled dot-product attention";
  let description = [{
    `softmax(mask(scale · Q·Kᵀ)) · V` per batch and head, where blocked scores
    are set to `mask_value` (-1e9 in the seed model: a fully blocked row
    becomes uniform, not NaN). A key is blocked when `key_ids[b, k] == pad_id`
    (if `key_ids` is given), when `k > q` (if `causal`), or when the boolean
    `mask` (broadcastable to `[B, H, Lq, Lk]`) is true. With
    `query_offsets` (`[B]`, only with `causal`: attention over a cache in a
    generation step) query `q` of row `b` is at position
    `query_offsets[b] + q`, so `k > query_offsets[b] + q` is blocked; keys
    past the last query's position are never read.

    Each operand's axis order is its layout (`#xf.layout<bhsd>` by default):
    `q` and `v` are `bhsd` or `bshd`, `k` also `bhds` (stored transposed); the
    result is in `out_layout`. `K`/`V` may have fewer heads than `Q` (grouped
    queries) when they divide its head count. Created by the
    attention-fusion pass, never by the frontend.

    ```mlir
    %o = xf.attention %q, %k, %v key_ids(%src : tensor<?x?xi64>)
        {scale = 1.250000e-01 : f32, k_layout = #xf.layout<bhds>}
        : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32>
    // %o : tensor<?x8x?x64xf32>
    ```
  }];
  let arguments = (ins Xf_FloatTensor:$query, Xf_FloatTensor:$key,
                   Xf_FloatTensor:$value,
                   Optional<Xf_IdTensor>:$key_ids,
                   Optional<Xf_MaskTensor>:$mask,
                   Optional<Xf_IdTensor>:$query_offsets,
                   F32Attr:$scale,
                   DefaultValuedAttr<BoolAttr, "false">:$causal,
                   DefaultValuedAttr<I64Attr, "0">:$pad_id,
                   DefaultValuedAttr<F32Attr, "-1.0e9">:$mask_value,
                   DefaultValuedAttr<Xf_LayoutAttr, "::mlir::xf::Layout::BHSD">:$q_layout,
                   DefaultValuedAttr<Xf_LayoutAttr, "::mlir::xf::Layout::BHSD">:$k_layout,
                   DefaultValuedAttr<Xf_LayoutAttr, "::mlir::xf::Layout::BHSD">:$v_layout,
                   DefaultValuedAttr<Xf_LayoutAttr, "::mlir::xf::Layout::BHSD">:$out_layout);
  let results = (outs Xf_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value
    (`key_ids` `(` $key_ids^ `:` type($key_ids) `)`)?
    (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`query_offsets` `(` $query_offsets^ `:` type($query_offsets) `)`)?
    attr-dict `:` type($query) `,` type($key) `,` type($value)
  }];
}

#endif // XF_OPS_TD
