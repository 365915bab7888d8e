// Attention whose K arrives transposed ([B, H, d, Lk]): xf-fuse-attention
// gives xf.attention a `bhds` K, which the CPU kernel reads as stored.
module @attention_kt {
  func.func @forward(%q: tensor<2x4x?x32xf32> {xf.name = "q"},
                     %kt: tensor<2x4x32x?xf32> {xf.name = "kt"},
                     %v: tensor<2x4x?x32xf32> {xf.name = "v"},
                     %ids: tensor<2x?xi64> {xf.name = "ids"})
      -> (tensor<2x4x?x32xf32> {xf.name = "out"}) {
    %c1 = arith.constant 1 : index
    %l = tensor.dim %ids, %c1 : tensor<2x?xi64>
    %s = xf.matmul %q, %kt : tensor<2x4x?x32xf32>, tensor<2x4x32x?xf32>
    %ss = xf.scale %s by 0.176776695 : tensor<2x4x?x?xf32>
    %pad = xf.padding_mask %ids : tensor<2x?xi64>
    %m = xf.reshape %pad (%l) : tensor<2x1x?xi1> -> tensor<2x1x1x?xi1>
    %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<2x4x?x?xf32>, tensor<2x1x1x?xi1>
    %p = xf.softmax %f {axis = 3 : i64} : tensor<2x4x?x?xf32>
    %o = xf.matmul %p, %v : tensor<2x4x?x?xf32>, tensor<2x4x?x32xf32>
    return %o : tensor<2x4x?x32xf32>
  }
}
