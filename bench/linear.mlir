// The seed model's largest linear layer (the feed-forward up-projection,
// d_model 512 -> d_ff 2048) as xf IR, for xf-bench: `x · Wᵀ` with W stored
// [out, in] as nn.Linear keeps it.
module @linear {
  func.func @forward(%x: tensor<?x512xf32> {xf.name = "x"}) -> (tensor<?x2048xf32> {xf.name = "y"}) {
    %w = xf.param "w" : tensor<2048x512xf32>
    %wt = xf.transpose %w [1, 0] : tensor<2048x512xf32>
    %y = xf.matmul %x, %wt : tensor<?x512xf32>, tensor<512x2048xf32>
    return %y : tensor<?x2048xf32>
  }
}
