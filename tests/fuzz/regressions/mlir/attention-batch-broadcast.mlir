// Found by the mlir fuzz target: K of one batch row (two mutated ints), so
// the matmuls broadcast K over Q's two rows. xf-fuse-attention built an
// xf.attention whose type inference failed, a fatal error.
module @attention_grouped {
  func.func @forward(%q: tensor<2x4x?x32xf32> {xf.name = "q"},
                     %k: tensor<1x2x?x32xf32> {xf.name = "k"},
                     %v: tensor<2x2x?x32xf32> {xf.name = "v"},
                     %ids: tensor<2x?xi64> {xf.name = "ids"})
      -> (tensor<2x4x?x32xf32> {xf.name = "out"}) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %lq = tensor.dim %q, %c2 : tensor<2x4x?x32xf32>
    %lk = tensor.dim %ids, %c1 : tensor<2x?xi64>
    %q5 = xf.reshape %q (%lq) : tensor<2x4x?x32xf32> -> tensor<2x2x2x?x32xf32>
    %k5 = xf.reshape %k (%lk) : tensor<1x2x?x32xf32> -> tensor<1x2x1x?x32xf32>
    %v5 = xf.reshape %v (%lk) : tensor<2x2x?x32xf32> -> tensor<2x2x1x?x32xf32>
    %s = xf.matmul %q5, %k5 {transpose_b = true} : tensor<2x2x2x?x32xf32>, tensor<1x2x1x?x32xf32>
    %ss = xf.scale %s by 0.176776695 : tensor<2x2x2x?x?xf32>
    %pad = xf.padding_mask %ids : tensor<2x?xi64>
    %c = xf.causal_mask %lq, %lk
    %or = xf.or %pad, %c : tensor<2x1x?xi1>, tensor<?x?xi1>
    %m = xf.reshape %or (%lq, %lk) : tensor<2x?x?xi1> -> tensor<2x1x1x?x?xi1>
    %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<2x2x2x?x?xf32>, tensor<2x1x1x?x?xi1>
    %p = xf.softmax %f {axis = 4 : i64} : tensor<2x2x2x?x?xf32>
    %o = xf.matmul %p, %v5 : tensor<2x2x2x?x?xf32>, tensor<2x2x1x?x32xf32>
    %r = xf.reshape %o (%lq) : tensor<2x2x2x?x32xf32> -> tensor<2x4x?x32xf32>
    return %r : tensor<2x4x?x32xf32>
  }
}
