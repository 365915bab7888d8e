// Elementwise chains over rows of 37 (e2e RowKernels): broadcasts of a
// vector (missing leading dims) and of [1, 37] (a stretched dim), a value
// used twice (its own chain), a leaf read twice, a rank-1 chain of weights,
// every unary op and scale.
module @elementwise {
  func.func @forward(%x: tensor<?x?x37xf32> {xf.name = "x"},
                     %r: tensor<?x?x37xf32> {xf.name = "r"})
      -> (tensor<?x?x37xf32> {xf.name = "y"}) {
    %w = xf.param "w" : tensor<37xf32>
    %w2 = xf.param "w2" : tensor<37xf32>
    %c = xf.param "c" : tensor<1x37xf32>
    %pw = xf.add %w, %w2 : tensor<37xf32>, tensor<37xf32>
    %a = xf.mul %x, %pw : tensor<?x?x37xf32>, tensor<37xf32>
    %s = xf.scale %a by 5.000000e-01 : tensor<?x?x37xf32>
    %g = xf.gelu %s : tensor<?x?x37xf32>
    %t = xf.tanh %r : tensor<?x?x37xf32>
    %u = xf.sub %g, %t : tensor<?x?x37xf32>, tensor<?x?x37xf32>
    %v = xf.mul %u, %c : tensor<?x?x37xf32>, tensor<1x37xf32>
    %h = xf.gelu %x {tanh = true} : tensor<?x?x37xf32>
    %sl = xf.silu %h : tensor<?x?x37xf32>
    %y = xf.add %v, %sl : tensor<?x?x37xf32>, tensor<?x?x37xf32>
    %d = xf.div %y, %pw : tensor<?x?x37xf32>, tensor<37xf32>
    %q = xf.relu %r : tensor<?x?x37xf32>
    %m = xf.mul %q, %q : tensor<?x?x37xf32>, tensor<?x?x37xf32>
    %z = xf.add %d, %m : tensor<?x?x37xf32>, tensor<?x?x37xf32>
    return %z : tensor<?x?x37xf32>
  }
}
