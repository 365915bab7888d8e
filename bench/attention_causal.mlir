// Decoder self-attention as a framework runs it (heads 8, d_k 64): Q · Kᵀ,
// scale by 1/sqrt(d_k), the padding mask from key ids ∪ the causal mask
// filled with -1e9, softmax, · V. bench/run.sh compiles it fused (the flash
// kernel, which skips key blocks no query of a block sees) and with
// --no-fuse=attention.
module @attention_causal {
  func.func @forward(%q: tensor<1x8x?x64xf32> {xf.name = "q"},
                     %k: tensor<1x8x?x64xf32> {xf.name = "k"},
                     %v: tensor<1x8x?x64xf32> {xf.name = "v"},
                     %ids: tensor<1x?xi64> {xf.name = "ids"})
      -> (tensor<1x8x?x64xf32> {xf.name = "out"}) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %lq = tensor.dim %q, %c2 : tensor<1x8x?x64xf32>
    %lk = tensor.dim %ids, %c1 : tensor<1x?xi64>
    %kt = xf.transpose %k [0, 1, 3, 2] : tensor<1x8x?x64xf32>
    %s = xf.matmul %q, %kt : tensor<1x8x?x64xf32>, tensor<1x8x64x?xf32>
    %ss = xf.scale %s by 0.125 : tensor<1x8x?x?xf32>
    %pad = xf.padding_mask %ids : tensor<1x?xi64>
    %c = xf.causal_mask %lq, %lk
    %or = xf.or %pad, %c : tensor<1x1x?xi1>, tensor<?x?xi1>
    %m = xf.reshape %or (%lq, %lk) : tensor<1x?x?xi1> -> tensor<1x1x?x?xi1>
    %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<1x8x?x?xf32>, tensor<1x1x?x?xi1>
    %p = xf.softmax %f {axis = 3 : i64} : tensor<1x8x?x?xf32>
    %o = xf.matmul %p, %v : tensor<1x8x?x?xf32>, tensor<1x8x?x64xf32>
    return %o : tensor<1x8x?x64xf32>
  }
}
