// The seed model's LayerNorm with its residual add (d_model 512, no weight
// or bias, as nn.LayerNorm(elementwise_affine=False)), for bench/halide.sh.
module @layer_norm {
  func.func @forward(%x: tensor<?x512xf32> {xf.name = "x"},
                     %r: tensor<?x512xf32> {xf.name = "r"})
      -> (tensor<?x512xf32> {xf.name = "y"}) {
    %y = xf.layer_norm %x residual(%r : tensor<?x512xf32>) {epsilon = 1.0e-05 : f32} : tensor<?x512xf32>
    return %y : tensor<?x512xf32>
  }
}
