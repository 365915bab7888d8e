// The seed model's embedding + sinusoidal positions, as its PyTorch code runs
// them: `pos_emb(x.transpose(0, 1)).transpose(0, 1)`, sequence-first.
// Canonicalization alone cannot cancel the two transposes: the add sits
// between them. Moving transposes through elementwise ops is the job of the
// transpose-folding pass (not built yet).
func.func @embed(%src: tensor<?x?xi64>) -> tensor<?x?x512xf32> {
  %c1 = arith.constant 1 : index
  %table = xf.param "encoder.src_emb.weight" : tensor<6x512xf32>
  %x = xf.embedding %table, %src : tensor<6x512xf32>, tensor<?x?xi64>
  %xt = xf.transpose %x [1, 0, 2] : tensor<?x?x512xf32>
  %len = tensor.dim %src, %c1 : tensor<?x?xi64>
  %pe = xf.sinusoid_table %len {dim = 512 : i64}
  %pe3 = xf.reshape %pe (%len) : tensor<?x512xf32> -> tensor<?x1x512xf32>
  %sum = xf.add %xt, %pe3 : tensor<?x?x512xf32>, tensor<?x1x512xf32>
  %y = xf.transpose %sum [1, 0, 2] : tensor<?x?x512xf32>
  return %y : tensor<?x?x512xf32>
}
