// x · Wᵀ with W [7, 37] for the CPU linear kernel (e2e LinearKernel): fewer
// weight rows than a strip of 12, so W is zero-padded to 12 rows at the call
// site and the 7 columns are stored masked; K = 37 leaves a K % 4 tail.
module @linear_7x37 {
  func.func @forward(%x: tensor<?x37xf32> {xf.name = "x"}) -> (tensor<?x7xf32> {xf.name = "y"}) {
    %w = xf.param "w" : tensor<7x37xf32>
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x37xf32>, tensor<7x37xf32>
    return %y : tensor<?x7xf32>
  }
}
