// Decoder-style self-attention: padding from the key ids and a causal mask
// (key position > query position blocked); xf-fuse-attention folds both
// into xf.attention's key_ids and causal flag.
module @attention_causal {
  func.func @forward(%q: tensor<2x4x?x32xf32> {xf.name = "q"},
                     %k: tensor<2x4x?x32xf32> {xf.name = "k"},
                     %v: tensor<2x4x?x32xf32> {xf.name = "v"},
                     %ids: tensor<2x?xi64> {xf.name = "ids"})
      -> (tensor<2x4x?x32xf32> {xf.name = "out"}) {
    %c2 = arith.constant 2 : index
    %c1 = arith.constant 1 : index
    %lq = tensor.dim %q, %c2 : tensor<2x4x?x32xf32>
    %lk = tensor.dim %ids, %c1 : tensor<2x?xi64>
    %kt = xf.transpose %k [0, 1, 3, 2] : tensor<2x4x?x32xf32>
    %s = xf.matmul %q, %kt : tensor<2x4x?x32xf32>, tensor<2x4x32x?xf32>
    %ss = xf.scale %s by 0.176776695 : tensor<2x4x?x?xf32>
    %pad = xf.padding_mask %ids : tensor<2x?xi64>
    %c = xf.causal_mask %lq, %lk
    %or = xf.or %pad, %c : tensor<2x1x?xi1>, tensor<?x?xi1>
    %m = xf.reshape %or (%lq, %lk) : tensor<2x?x?xi1> -> tensor<2x1x?x?xi1>
    %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<2x4x?x?xf32>, tensor<2x1x?x?xi1>
    %p = xf.softmax %f {axis = 3 : i64} : tensor<2x4x?x?xf32>
    %o = xf.matmul %p, %v : tensor<2x4x?x?xf32>, tensor<2x4x?x32xf32>
    return %o : tensor<2x4x?x32xf32>
  }
}
