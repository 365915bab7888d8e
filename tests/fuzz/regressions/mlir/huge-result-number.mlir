func.func @f(%a: tensor<4xf32>) -> tensor<4xf32> {
  %4 = xf.scale %x#1146417962 by 0.125 : tensor<4xf32>
  return %4 : tensor<4xf32>
}
