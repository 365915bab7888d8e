// RUN: t xf32>
  %4 = xf.scale %4 by 0.125 : tensor<?x?x512xf32>
  // CHECK: xf.relu %{{.+}} : tensor<Á‡ÀŒ512xf32>,  : tensor<?t?x512xf32>, tensor<2048x5/ Cn