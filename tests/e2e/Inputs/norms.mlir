// LayerNorm (residual, weight, bias) then RMSNorm (weight) over rows of 37
// (e2e RowKernels): a width that is no multiple of a vector.
module @norms {
  func.func @forward(%x: tensor<?x?x37xf32> {xf.name = "x"},
                     %r: tensor<?x?x37xf32> {xf.name = "r"})
      -> (tensor<?x?x37xf32> {xf.name = "y"}) {
    %g = xf.param "g" : tensor<37xf32>
    %b = xf.param "b" : tensor<37xf32>
    %h = xf.param "h" : tensor<37xf32>
    %n = xf.layer_norm %x residual(%r : tensor<?x?x37xf32>) weight(%g : tensor<37xf32>) bias(%b : tensor<37xf32>) {epsilon = 1.0e-05 : f32} : tensor<?x?x37xf32>
    %y = xf.rms_norm %n weight(%h : tensor<37xf32>) {epsilon = 1.0e-06 : f32} : tensor<?x?x37xf32>
    return %y : tensor<?x?x37xf32>
  }
}
