// RUN: xf-opt %s | FileCheck %s
// RUN: xf-opt %s | xf-opt | FileCheck %s
// RUN: xf-opt %s --mlir-print-op-generic | xf-opt | FileCheck %s

// Tests that every xf op parses, verifies, infers its result type and prints
// back in its custom form.

// CHECK-LABEL: func.func @params_and_embeddings
func.func @params_and_embeddings(%ids: tensor<?x?xi64>, %len: index)
    -> (tensor<?x?x512xf32>, tensor<?x512xf32>, tensor<?xi64>) {
  // CHECK: %[[T:.+]] = xf.param "encoder.src_emb.weight" : tensor<6x512xf32>
  %table = xf.param "encoder.src_emb.weight" : tensor<6x512xf32>
  // CHECK: xf.embedding %[[T]], %{{.+}} : tensor<6x512xf32>, tensor<?x?xi64>
  %x = xf.embedding %table, %ids : tensor<6x512xf32>, tensor<?x?xi64>
  // CHECK: xf.sinusoid_table %{{.+}} {dim = 512 : i64}
  %pe = xf.sinusoid_table %len {dim = 512 : i64}
  // CHECK: xf.arange %{{.+}}
  %pos = xf.arange %len
  return %x, %pe, %pos : tensor<?x?x512xf32>, tensor<?x512xf32>, tensor<?xi64>
}

// CHECK-LABEL: func.func @linear_algebra
func.func @linear_algebra(%x: tensor<?x?x512xf32>, %w: tensor<2048x512xf32>,
                          %q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>)
    -> (tensor<?x?x2048xf32>, tensor<?x8x?x?xf32>, tensor<?x?x512xf32>) {
  // CHECK: xf.matmul %{{.+}}, %{{.+}} {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  %y = xf.matmul %x, %w {transpose_b = true} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  // CHECK: xf.matmul %{{.+}}, %{{.+}} : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  %kt = xf.transpose %k [0, 1, 3, 2] : tensor<?x8x?x64xf32>
  %s = xf.matmul %q, %kt : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  // CHECK: xf.transpose %{{.+}} [1, 0, 2] : tensor<?x?x512xf32>
  %t = xf.transpose %x [1, 0, 2] : tensor<?x?x512xf32>
  // CHECK: xf.matmul %{{.+}}, %{{.+}} bias(%{{.+}} : tensor<2048xf32>) {activation = #xf.activation<gelu_tanh>, transpose_b = true}
  %bias = xf.param "fc.bias" : tensor<2048xf32>
  %e = xf.matmul %x, %w bias(%bias : tensor<2048xf32>) {transpose_b = true, activation = #xf.activation<gelu_tanh>} : tensor<?x?x512xf32>, tensor<2048x512xf32>
  return %y, %s, %t : tensor<?x?x2048xf32>, tensor<?x8x?x?xf32>, tensor<?x?x512xf32>
}

// CHECK-LABEL: func.func @reshapes
func.func @reshapes(%x: tensor<?x?x512xf32>, %b: index, %s: index,
                    %c: tensor<4x6xf32>) -> (tensor<?x?x8x64xf32>, tensor<24xf32>) {
  // CHECK: xf.reshape %{{.+}}(%{{.+}}, %{{.+}}) : tensor<?x?x512xf32> -> tensor<?x?x8x64xf32>
  %h = xf.reshape %x (%b, %s) : tensor<?x?x512xf32> -> tensor<?x?x8x64xf32>
  // CHECK: xf.reshape %{{.+}} : tensor<4x6xf32> -> tensor<24xf32>
  %f = xf.reshape %c : tensor<4x6xf32> -> tensor<24xf32>
  return %h, %f : tensor<?x?x8x64xf32>, tensor<24xf32>
}

// CHECK-LABEL: func.func @elementwise
func.func @elementwise(%a: tensor<?x?x512xf32>, %b: tensor<?x1x512xf32>,
                       %c: tensor<512xf32>) -> tensor<?x?x512xf32> {
  // CHECK: xf.add %{{.+}}, %{{.+}} : tensor<?x?x512xf32>, tensor<?x1x512xf32>
  %0 = xf.add %a, %b : tensor<?x?x512xf32>, tensor<?x1x512xf32>
  // CHECK: xf.sub %{{.+}}, %{{.+}} : tensor<?x?x512xf32>, tensor<512xf32>
  %1 = xf.sub %0, %c : tensor<?x?x512xf32>, tensor<512xf32>
  // CHECK: xf.mul
  %2 = xf.mul %1, %b : tensor<?x?x512xf32>, tensor<?x1x512xf32>
  // CHECK: xf.div
  %3 = xf.div %2, %c : tensor<?x?x512xf32>, tensor<512xf32>
  // CHECK: xf.scale %{{.+}} by 1.250000e-01 : tensor<?x?x512xf32>
  %4 = xf.scale %3 by 0.125 : tensor<?x?x512xf32>
  // CHECK: xf.relu %{{.+}} : tensor<?x?x512xf32>
  %5 = xf.relu %4 : tensor<?x?x512xf32>
  // CHECK: xf.gelu %{{.+}} : tensor<?x?x512xf32>
  %6 = xf.gelu %5 : tensor<?x?x512xf32>
  // CHECK: xf.gelu %{{.+}} {tanh = true} : tensor<?x?x512xf32>
  %7 = xf.gelu %6 {tanh = true} : tensor<?x?x512xf32>
  // CHECK: xf.silu %{{.+}} : tensor<?x?x512xf32>
  %s = xf.silu %7 : tensor<?x?x512xf32>
  // CHECK: xf.tanh %{{.+}} : tensor<?x?x512xf32>
  %8 = xf.tanh %s : tensor<?x?x512xf32>
  // CHECK: xf.rope %{{.+}} : tensor<?x?x512xf32>
  %9 = xf.rope %8 : tensor<?x?x512xf32>
  // CHECK: xf.rope %{{.+}} {base = 5.000000e+05 : f32} : tensor<?x?x512xf32>
  %10 = xf.rope %9 {base = 5.0e5 : f32} : tensor<?x?x512xf32>
  return %10 : tensor<?x?x512xf32>
}

// CHECK-LABEL: func.func @norms
func.func @norms(%x: tensor<?x?x512xf32>, %g: tensor<512xf32>,
                 %b: tensor<512xf32>) -> tensor<?x?x512xf32> {
  // CHECK: xf.softmax %{{.+}} {axis = 2 : i64} : tensor<?x?x512xf32>
  %0 = xf.softmax %x {axis = 2 : i64} : tensor<?x?x512xf32>
  // CHECK: xf.layer_norm %{{.+}} : tensor<?x?x512xf32>
  %1 = xf.layer_norm %0 : tensor<?x?x512xf32>
  // CHECK: xf.layer_norm %{{.+}} weight(%{{.+}} : tensor<512xf32>) bias(%{{.+}} : tensor<512xf32>) {epsilon = 9.99999997E-7 : f32} : tensor<?x?x512xf32>
  %2 = xf.layer_norm %1 weight(%g : tensor<512xf32>) bias(%b : tensor<512xf32>) {epsilon = 1.0e-6 : f32} : tensor<?x?x512xf32>
  // CHECK: xf.layer_norm %{{.+}} bias(%{{.+}} : tensor<512xf32>) : tensor<?x?x512xf32>
  %b2 = xf.layer_norm %2 bias(%b : tensor<512xf32>) : tensor<?x?x512xf32>
  // CHECK: xf.layer_norm %{{.+}} residual(%{{.+}} : tensor<?x?x512xf32>) weight(%{{.+}} : tensor<512xf32>) : tensor<?x?x512xf32>
  %r2 = xf.layer_norm %b2 residual(%x : tensor<?x?x512xf32>) weight(%g : tensor<512xf32>) : tensor<?x?x512xf32>
  // CHECK: xf.rms_norm %{{.+}} weight(%{{.+}} : tensor<512xf32>) : tensor<?x?x512xf32>
  %3 = xf.rms_norm %b2 weight(%g : tensor<512xf32>) : tensor<?x?x512xf32>
  // CHECK: xf.rms_norm %{{.+}} : tensor<?x?x512xf32>
  %4 = xf.rms_norm %3 : tensor<?x?x512xf32>
  return %4 : tensor<?x?x512xf32>
}

// CHECK-LABEL: func.func @masks
func.func @masks(%src: tensor<?x?xi64>, %s: tensor<?x8x?x?xf32>, %t: index)
    -> tensor<?x8x?x?xf32> {
  // CHECK: xf.padding_mask %{{.+}} : tensor<?x?xi64>
  %pad = xf.padding_mask %src : tensor<?x?xi64>
  // CHECK: xf.padding_mask %{{.+}} {pad_id = 1 : i64} : tensor<?x?xi64>
  %pad1 = xf.padding_mask %src {pad_id = 1 : i64} : tensor<?x?xi64>
  // CHECK: xf.causal_mask %{{.+}}, %{{.+}}
  %causal = xf.causal_mask %t, %t
  // CHECK: xf.or %{{.+}}, %{{.+}} : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m = xf.or %pad, %causal : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m4 = xf.or %m, %pad1 : tensor<?x?x?xi1>, tensor<?x1x?xi1>
  // CHECK: xf.masked_fill %{{.+}}, %{{.+}} {value = -1.000000e+09 : f32} : tensor<?x8x?x?xf32>, tensor<?x?x?xi1>
  %f = xf.masked_fill %s, %m4 {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x?x?xi1>
  return %f : tensor<?x8x?x?xf32>
}

// CHECK-LABEL: func.func @attention
func.func @attention(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>,
                     %v: tensor<?x?x8x64xf32>, %ids: tensor<?x?xi64>,
                     %mask: tensor<?x1x?x?xi1>, %kv2: tensor<?x2x?x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x?x8x64xf32>, tensor<?x8x?x64xf32>) {
  // CHECK: xf.attention %{{.+}}, %{{.+}}, %{{.+}} key_ids(%{{.+}} : tensor<?x?xi64>) {k_layout = #xf.layout<bhds>, scale = 1.250000e-01 : f32, v_layout = #xf.layout<bshd>} : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x?x8x64xf32>
  %0 = xf.attention %q, %kt, %v key_ids(%ids : tensor<?x?xi64>)
      {scale = 0.125 : f32, k_layout = #xf.layout<bhds>, v_layout = #xf.layout<bshd>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x?x8x64xf32>
  // CHECK: xf.attention %{{.+}}, %{{.+}}, %{{.+}} key_ids(%{{.+}} : tensor<?x?xi64>) mask(%{{.+}} : tensor<?x1x?x?xi1>) {causal = true, k_layout = #xf.layout<bhds>, out_layout = #xf.layout<bshd>, pad_id = 3 : i64, scale = 1.000000e+00 : f32, v_layout = #xf.layout<bshd>}
  %1 = xf.attention %q, %kt, %v key_ids(%ids : tensor<?x?xi64>) mask(%mask : tensor<?x1x?x?xi1>)
      {scale = 1.0 : f32, causal = true, pad_id = 3 : i64,
       k_layout = #xf.layout<bhds>, v_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x?x8x64xf32>
  // CHECK: xf.attention %{{.+}}, %{{.+}}, %{{.+}} mask(%{{.+}} : tensor<?x1x?x?xi1>) {k_layout = #xf.layout<bhds>, scale = 1.000000e+00 : f32, v_layout = #xf.layout<bshd>}
  %m = xf.attention %q, %kt, %v mask(%mask : tensor<?x1x?x?xi1>)
      {scale = 1.0 : f32, k_layout = #xf.layout<bhds>, v_layout = #xf.layout<bshd>}
      : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>, tensor<?x?x8x64xf32>
  // Grouped queries: 2 key/value heads serve 8 query heads.
  // CHECK: xf.attention %{{.+}}, %{{.+}}, %{{.+}} {mask_value = -3.40282347E+38 : f32, scale = 1.250000e-01 : f32} : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
  %2 = xf.attention %q, %kv2, %kv2 {scale = 0.125 : f32, mask_value = -3.40282347E+38 : f32}
      : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
  return %0, %1, %2 : tensor<?x8x?x64xf32>, tensor<?x?x8x64xf32>, tensor<?x8x?x64xf32>
}

// CHECK-LABEL: func.func @reduced_precision
func.func @reduced_precision(%x: tensor<?x?x512xf32>, %b: tensor<2048xf32>)
    -> (tensor<?x?x2048xf32>, tensor<?x?x2048xf32>) {
  // CHECK: %[[Q:.+]] = xf.param "fc.weight" : tensor<2048x512xi8>
  %q = xf.param "fc.weight" : tensor<2048x512xi8>
  // CHECK: %[[S:.+]] = xf.weight_scales "fc.weight" : tensor<2x2048xf32>
  %s = xf.weight_scales "fc.weight" : tensor<2x2048xf32>
  // CHECK: xf.quantized_linear %{{.+}}, %[[Q]] scales(%[[S]] : tensor<2x2048xf32>) bias(%{{.+}} : tensor<2048xf32>) {activation = #xf.activation<gelu>} : tensor<?x?x512xf32>, tensor<2048x512xi8>
  %y = xf.quantized_linear %x, %q scales(%s : tensor<2x2048xf32>) bias(%b : tensor<2048xf32>)
      {activation = #xf.activation<gelu>} : tensor<?x?x512xf32>, tensor<2048x512xi8>
  // CHECK: %[[H:.+]] = xf.param "fc.weight" : tensor<2048x512xbf16>
  %h = xf.param "fc.weight" : tensor<2048x512xbf16>
  // CHECK: xf.quantized_linear %{{.+}}, %[[H]] : tensor<?x?x512xf32>, tensor<2048x512xbf16>
  %z = xf.quantized_linear %x, %h : tensor<?x?x512xf32>, tensor<2048x512xbf16>
  return %y, %z : tensor<?x?x2048xf32>, tensor<?x?x2048xf32>
}
