// RUN: xf-opt %s -split-input-file -verify-diagnostics

// Tests that every verifier and every type-inference check of the xf ops
// rejects its bad case with its message. Each case uses the generic form
// where the custom form would already fail to parse.

func.func @param_empty_name() {
  // expected-error @+1 {{'xf.param' op needs a non-empty parameter name}}
  %w = xf.param "" : tensor<4x4xf32>
  return
}

// -----

func.func @param_dynamic_shape() {
  // expected-error @+1 {{'xf.param' op parameter 'w' must have a static shape, found 'tensor<?x4xf32>'}}
  %w = xf.param "w" : tensor<?x4xf32>
  return
}

// -----

func.func @param_transposed_vector() {
  // expected-error @+1 {{'xf.param' op parameter 'b' read transposed must be 2-D, found 'tensor<4xf32>'}}
  %b = xf.param "b" transposed : tensor<4xf32>
  return
}

// -----

func.func @param_not_float() {
  // expected-error @+1 {{'xf.param' op result #0 must be ranked tensor of 32-bit float or bfloat16 type or 8-bit signless integer values}}
  %w = xf.param "w" : tensor<4xi64>
  return
}

// -----

func.func @embedding_table_rank(%t: tensor<6xf32>, %ids: tensor<?x?xi64>) {
  // expected-error @+1 {{table must have rank 2 [rows, dim], found 'tensor<6xf32>'}}
  %x = xf.embedding %t, %ids : tensor<6xf32>, tensor<?x?xi64>
  return
}

// -----

func.func @embedding_ids_not_i64(%t: tensor<6x8xf32>, %ids: tensor<?x?xf32>) {
  // expected-error @+1 {{'xf.embedding' op operand #1 must be ranked tensor of 64-bit signless integer values}}
  %x = "xf.embedding"(%t, %ids) : (tensor<6x8xf32>, tensor<?x?xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @embedding_wrong_result(%t: tensor<6x8xf32>, %ids: tensor<?x?xi64>) {
  // expected-error @+2 {{'xf.embedding' op inferred type(s) 'tensor<?x?x8xf32>' are incompatible with return type(s) of operation 'tensor<?x?x9xf32>'}}
  // expected-error @+1 {{'xf.embedding' op failed to infer returned types}}
  %x = "xf.embedding"(%t, %ids) : (tensor<6x8xf32>, tensor<?x?xi64>) -> tensor<?x?x9xf32>
  return
}

// -----

func.func @sinusoid_odd_dim(%n: index) {
  // expected-error @+1 {{dim must be positive and even, found 7}}
  %pe = xf.sinusoid_table %n {dim = 7 : i64}
  return
}

// -----

func.func @sinusoid_missing_dim(%n: index) {
  // expected-error @+1 {{requires attribute 'dim'}}
  %pe = xf.sinusoid_table %n
  return
}

// -----

func.func @matmul_rank(%a: tensor<8xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{operands must have rank >= 2, found 8 and 8x4}}
  %c = xf.matmul %a, %b : tensor<8xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @matmul_contraction(%a: tensor<?x16xf32>, %b: tensor<8x4xf32>) {
  // expected-error @+1 {{contraction dims differ: lhs ?x16 has K = 16, rhs 8x4 has K = 8}}
  %c = xf.matmul %a, %b : tensor<?x16xf32>, tensor<8x4xf32>
  return
}

// -----

func.func @matmul_contraction_transposed(%a: tensor<?x16xf32>, %b: tensor<16x4xf32>) {
  // expected-error @+1 {{contraction dims differ: lhs ?x16 has K = 16, rhs 16x4 (transposed) has K = 4}}
  %c = xf.matmul %a, %b {transpose_b = true} : tensor<?x16xf32>, tensor<16x4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x3x8xf32>, %b: tensor<5x8x4xf32>) {
  // expected-error @+1 {{batch dims: shapes 2 and 5 do not broadcast (dim 2 vs 5)}}
  %c = xf.matmul %a, %b : tensor<2x3x8xf32>, tensor<5x8x4xf32>
  return
}

// -----

func.func @transpose_length(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{permutation has 2 entries but the input has rank 3}}
  %t = xf.transpose %x [1, 0] : tensor<?x?x8xf32>
  return
}

// -----

func.func @transpose_not_permutation(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{permutation [0, 0, 2] is not a permutation of 0..2}}
  %t = xf.transpose %x [0, 0, 2] : tensor<?x?x8xf32>
  return
}

// -----

func.func @reshape_dynamic_count(%x: tensor<?x512xf32>, %b: index) {
  // expected-error @+1 {{'xf.reshape' op result type 'tensor<?x?x64xf32>' has 2 dynamic dims but 1 sizes are given}}
  %r = xf.reshape %x (%b) : tensor<?x512xf32> -> tensor<?x?x64xf32>
  return
}

// -----

func.func @reshape_elements(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{'xf.reshape' op cannot reshape 24 elements ('tensor<4x6xf32>') into 25 ('tensor<5x5xf32>')}}
  %r = xf.reshape %x : tensor<4x6xf32> -> tensor<5x5xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<?x4x8xf32>, %b: tensor<3x8xf32>) {
  // expected-error @+1 {{shapes ?x4x8 and 3x8 do not broadcast (dim 4 vs 3)}}
  %c = xf.add %a, %b : tensor<?x4x8xf32>, tensor<3x8xf32>
  return
}

// -----

func.func @or_broadcast(%a: tensor<2x4xi1>, %b: tensor<3x4xi1>) {
  // expected-error @+1 {{shapes 2x4 and 3x4 do not broadcast (dim 2 vs 3)}}
  %c = xf.or %a, %b : tensor<2x4xi1>, tensor<3x4xi1>
  return
}

// -----

func.func @scale_wrong_result(%x: tensor<?x8xf32>) {
  // expected-error @+2 {{'xf.scale' op inferred type(s) 'tensor<?x8xf32>' are incompatible with return type(s) of operation 'tensor<4x8xf32>'}}
  // expected-error @+1 {{'xf.scale' op failed to infer returned types}}
  %s = "xf.scale"(%x) {factor = 2.0 : f32} : (tensor<?x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for rank 2 (expected 0..1)}}
  %p = xf.softmax %x {axis = 2 : i64} : tensor<?x8xf32>
  return
}

// -----

func.func @softmax_negative_axis(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{axis -1 is out of range for rank 2 (expected 0..1)}}
  %p = xf.softmax %x {axis = -1 : i64} : tensor<?x8xf32>
  return
}

// -----

func.func @layer_norm_weight(%x: tensor<?x8xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{weight must be tensor<8xf32> to match the last dim of the input, found 'tensor<4xf32>'}}
  %n = xf.layer_norm %x weight(%g : tensor<4xf32>) : tensor<?x8xf32>
  return
}

// -----

func.func @layer_norm_bias(%x: tensor<?x8xf32>, %b: tensor<1x8xf32>) {
  // expected-error @+1 {{bias must be tensor<8xf32> to match the last dim of the input, found 'tensor<1x8xf32>'}}
  %n = xf.layer_norm %x bias(%b : tensor<1x8xf32>) : tensor<?x8xf32>
  return
}

// -----

func.func @layer_norm_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %n = xf.layer_norm %x : tensor<f32>
  return
}

// -----

func.func @rms_norm_weight(%x: tensor<?x8xf32>, %g: tensor<16xf32>) {
  // expected-error @+1 {{weight must be tensor<8xf32> to match the last dim of the input, found 'tensor<16xf32>'}}
  %n = xf.rms_norm %x weight(%g : tensor<16xf32>) : tensor<?x8xf32>
  return
}

// -----

func.func @rms_norm_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have rank >= 1}}
  %n = xf.rms_norm %x : tensor<f32>
  return
}

// -----

func.func @padding_mask_rank(%ids: tensor<?xi64>) {
  // expected-error @+1 {{ids must have rank 2 [batch, length], found 'tensor<?xi64>'}}
  %m = xf.padding_mask %ids : tensor<?xi64>
  return
}

// -----

func.func @masked_fill_broadcast(%x: tensor<?x8x?x?xf32>, %m: tensor<?x4x?x?xi1>) {
  // expected-error @+1 {{mask of shape ?x4x?x? does not broadcast to the input shape ?x8x?x?}}
  %f = xf.masked_fill %x, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x4x?x?xi1>
  return
}

// -----

func.func @masked_fill_mask_rank(%x: tensor<?x?xf32>, %m: tensor<?x1x?xi1>) {
  // expected-error @+1 {{mask of shape ?x1x? does not broadcast to the input shape ?x?}}
  %f = xf.masked_fill %x, %m {value = -1.0e9 : f32} : tensor<?x?xf32>, tensor<?x1x?xi1>
  return
}

// -----

func.func @attention_rank(%q: tensor<?x?x64xf32>, %k: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{query must have rank 4, found 'tensor<?x?x64xf32>'}}
  %o = xf.attention %q, %k, %k {scale = 1.0 : f32} : tensor<?x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return
}

// -----

func.func @attention_transposed_query(%q: tensor<?x8x64x?xf32>, %k: tensor<?x8x?x64xf32>) {
  // expected-error @+1 {{q_layout must be bhsd or bshd; only the key may be stored transposed (bhds)}}
  %o = xf.attention %q, %k, %k {scale = 1.0 : f32, q_layout = #xf.layout<bhds>} : tensor<?x8x64x?xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x8x?x64xf32>, %k: tensor<3x8x?x64xf32>) {
  // expected-error @+1 {{batch sizes differ: query 'tensor<2x8x?x64xf32>', key 'tensor<3x8x?x64xf32>', value 'tensor<3x8x?x64xf32>'}}
  %o = xf.attention %q, %k, %k {scale = 1.0 : f32} : tensor<2x8x?x64xf32>, tensor<3x8x?x64xf32>, tensor<3x8x?x64xf32>
  return
}

// -----

func.func @attention_width(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x32xf32>) {
  // expected-error @+1 {{query and key head widths differ (64 vs 32)}}
  %o = xf.attention %q, %k, %k {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x32xf32>, tensor<?x8x?x32xf32>
  return
}

// -----

func.func @attention_kt_width(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x5x64xf32>) {
  // A bhsd key read as bhds has width `?` and length 64: the lengths clash.
  // expected-error @+1 {{key and value lengths differ (64 vs 5)}}
  %o = xf.attention %q, %k, %v {scale = 1.0 : f32, k_layout = #xf.layout<bhds>} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x5x64xf32>
  return
}

// -----

func.func @attention_lengths(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x7x64xf32>, %v: tensor<?x8x5x64xf32>) {
  // expected-error @+1 {{key and value lengths differ (7 vs 5)}}
  %o = xf.attention %q, %k, %v {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x7x64xf32>, tensor<?x8x5x64xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x4x?x64xf32>) {
  // expected-error @+1 {{key and value head counts differ (2 vs 4)}}
  %o = xf.attention %q, %k, %v {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x4x?x64xf32>
  return
}

// -----

func.func @attention_groups(%q: tensor<?x8x?x64xf32>, %k: tensor<?x3x?x64xf32>) {
  // expected-error @+1 {{key heads (3) must divide query heads (8)}}
  %o = xf.attention %q, %k, %k {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x3x?x64xf32>, tensor<?x3x?x64xf32>
  return
}

// -----

func.func @attention_key_ids(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x7x64xf32>, %ids: tensor<?x5xi64>) {
  // expected-error @+1 {{key_ids must be [batch, key length] = ?x7, found ?x5}}
  %o = xf.attention %q, %k, %k key_ids(%ids : tensor<?x5xi64>) {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x7x64xf32>, tensor<?x8x7x64xf32>
  return
}

// -----

func.func @attention_mask(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %m: tensor<?x3x?x?xi1>) {
  // expected-error @+1 {{mask of shape ?x3x?x? does not broadcast to the scores ?x8x?x?}}
  %o = xf.attention %q, %k, %k mask(%m : tensor<?x3x?x?xi1>) {scale = 1.0 : f32} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  return
}

// -----

func.func @rope_rank(%x: tensor<8xf32>) {
  // expected-error @+1 {{input must have rank >= 2 [..., L, D], found 'tensor<8xf32>'}}
  %r = xf.rope %x : tensor<8xf32>
  return
}

// -----

func.func @rope_odd(%x: tensor<?x?x7xf32>) {
  // expected-error @+1 {{the rotated dim must be even, found 7}}
  %r = xf.rope %x : tensor<?x?x7xf32>
  return
}

// -----

func.func @matmul_bias(%a: tensor<?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias must be tensor<8xf32> to match the last dim of the input, found 'tensor<16xf32>'}}
  %c = xf.matmul %a, %w bias(%b : tensor<16xf32>) {transpose_b = true} : tensor<?x16xf32>, tensor<8x16xf32>
  return
}

// -----

func.func @layer_norm_residual(%x: tensor<?x8xf32>, %r: tensor<?x4xf32>) {
  // expected-error @+1 {{residual 'tensor<?x4xf32>' must have the shape of the input 'tensor<?x8xf32>'}}
  %n = xf.layer_norm %x residual(%r : tensor<?x4xf32>) : tensor<?x8xf32>
  return
}

// -----

func.func @param_low_precision_rank() {
  // expected-error @+1 {{'xf.param' op parameter 'w' in reduced precision must be 2-D, found 'tensor<4xbf16>'}}
  %w = xf.param "w" : tensor<4xbf16>
  return
}

// -----

func.func @quantized_linear_no_scales(%x: tensor<?x8xf32>) {
  %w = xf.param "w" : tensor<4x8xi8>
  // expected-error @+1 {{an i8 weight needs scales}}
  %y = xf.quantized_linear %x, %w : tensor<?x8xf32>, tensor<4x8xi8>
  return
}

// -----

func.func @quantized_linear_bf16_scales(%x: tensor<?x8xf32>, %s: tensor<4xf32>) {
  %w = xf.param "w" : tensor<4x8xbf16>
  // expected-error @+1 {{a bf16 weight takes no scales}}
  %y = xf.quantized_linear %x, %w scales(%s : tensor<4xf32>) : tensor<?x8xf32>, tensor<4x8xbf16>
  return
}

// -----

func.func @quantized_linear_features(%x: tensor<?x7xf32>) {
  %w = xf.param "w" : tensor<4x8xbf16>
  // expected-error @+1 {{input has 7 features but the weight's rows have 8}}
  %y = xf.quantized_linear %x, %w : tensor<?x7xf32>, tensor<4x8xbf16>
  return
}

// -----

func.func @quantized_linear_scales_shape(%x: tensor<?x8xf32>, %s: tensor<2x5xf32>) {
  %w = xf.param "w" : tensor<4x8xi8>
  // expected-error @+1 {{scales must be tensor<2x4xf32> (the weight's row scales and sums of q), found 'tensor<2x5xf32>'}}
  %y = xf.quantized_linear %x, %w scales(%s : tensor<2x5xf32>) : tensor<?x8xf32>, tensor<4x8xi8>
  return
}
