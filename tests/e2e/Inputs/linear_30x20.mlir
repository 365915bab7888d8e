// x · Wᵀ with W [30, 20] for the CPU linear kernel (e2e LinearKernel):
// two strips of 12 and a last one shifted to columns 18..29 that stores
// 24..29; K = 20 packs x element by element.
module @linear_30x20 {
  func.func @forward(%x: tensor<?x20xf32> {xf.name = "x"}) -> (tensor<?x30xf32> {xf.name = "y"}) {
    %w = xf.param "w" : tensor<30x20xf32>
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x20xf32>, tensor<30x20xf32>
    return %y : tensor<?x30xf32>
  }
}
