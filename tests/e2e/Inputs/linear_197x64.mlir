// x · Wᵀ with W [197, 64] for the CPU linear kernel (e2e LinearKernel):
// 16 strips of 12 columns in two blocks of 96; the last strip, in a block
// of its own, shifts back to columns 185..196 (across the block boundary)
// and stores 192..196; x packed by 16x16 register transposes.
module @linear_197x64 {
  func.func @forward(%x: tensor<?x64xf32> {xf.name = "x"}) -> (tensor<?x197xf32> {xf.name = "y"}) {
    %w = xf.param "w" : tensor<197x64xf32>
    %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x64xf32>, tensor<197x64xf32>
    return %y : tensor<?x197xf32>
  }
}
