// RUN: xf-opt %s -split-input-file --xf-fuse-attention | FileCheck %s
// RUN: xf-opt %s -split-input-file --xf-fuse-attention="explain=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=EXPLAIN

// Tests the seed model's attention: head splits, Kᵀ as transpose_b, padding
// mask from token ids, -1e9 fill, head merge; everything folds into one op.
// CHECK-LABEL: func.func @seed_attention
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x?x8x64xf32>, %[[K:[^:]+]]: tensor<?x?x8x64xf32>, %[[V:[^:]+]]: tensor<?x?x8x64xf32>, %[[IDS:[^:]+]]: tensor<?x?xi64>
// CHECK: %[[O:.+]] = xf.attention %[[Q]], %[[K]], %[[V]] key_ids(%[[IDS]] : tensor<?x?xi64>)
// CHECK-SAME: k_layout = #xf.layout<bshd>, out_layout = #xf.layout<bshd>, q_layout = #xf.layout<bshd>, scale = 1.250000e-01 : f32, v_layout = #xf.layout<bshd>
// CHECK-NOT: xf.softmax
// CHECK: return %[[O]] : tensor<?x?x8x64xf32>
// EXPLAIN: remark: attention: fused
func.func @seed_attention(%q: tensor<?x?x8x64xf32>, %k: tensor<?x?x8x64xf32>, %v: tensor<?x?x8x64xf32>,
                          %ids: tensor<?x?xi64>, %b: index, %l: index) -> tensor<?x?x8x64xf32> {
  %qh = xf.transpose %q [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %kh = xf.transpose %k [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %vh = xf.transpose %v [0, 2, 1, 3] : tensor<?x?x8x64xf32>
  %s = xf.matmul %qh, %kh {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %ss = xf.scale %s by 0.125 : tensor<?x8x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %m = xf.reshape %pad (%b, %l) : tensor<?x1x?xi1> -> tensor<?x1x1x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x1x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %vh : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  %ot = xf.transpose %o [0, 2, 1, 3] : tensor<?x8x?x64xf32>
  return %ot : tensor<?x?x8x64xf32>
}

// -----

// Tests the decoder's masks: padding ∪ causal becomes key_ids + causal.
// CHECK-LABEL: func.func @causal_padding
// CHECK: xf.attention {{.*}} key_ids(%{{.+}} : tensor<?x?xi64>) {causal = true, k_layout = #xf.layout<bhds>, scale = 1.250000e-01 : f32}
func.func @causal_padding(%q: tensor<?x8x?x64xf32>, %kt: tensor<?x8x64x?xf32>, %v: tensor<?x8x?x64xf32>,
                          %ids: tensor<?x?xi64>, %b: index, %lq: index, %lk: index) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %kt : tensor<?x8x?x64xf32>, tensor<?x8x64x?xf32>
  %ss = xf.scale %s by 0.125 : tensor<?x8x?x?xf32>
  %pad = xf.padding_mask %ids : tensor<?x?xi64>
  %c = xf.causal_mask %lq, %lk
  %or = xf.or %pad, %c : tensor<?x1x?xi1>, tensor<?x?xi1>
  %m = xf.reshape %or (%b, %lq, %lk) : tensor<?x?x?xi1> -> tensor<?x1x?x?xi1>
  %f = xf.masked_fill %ss, %m {value = -1.0e9 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests a scale on Q (instead of the scores) and a general boolean mask.
// CHECK-LABEL: func.func @scale_on_q
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x4x?x16xf32>
// CHECK-SAME: %[[M:[^:]+]]: tensor<?x4x?x?xi1>
// CHECK: xf.attention %[[Q]], %{{.+}}, %{{.+}} mask(%[[M]] : tensor<?x4x?x?xi1>) {mask_value = -1.000000e+04 : f32, scale = 2.500000e-01 : f32}
func.func @scale_on_q(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>,
                      %mask: tensor<?x4x?x?xi1>) -> tensor<?x4x?x16xf32> {
  %qs = xf.scale %q by 0.25 : tensor<?x4x?x16xf32>
  %s = xf.matmul %qs, %k {transpose_b = true} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  %f = xf.masked_fill %s, %mask {value = -1.0e4 : f32} : tensor<?x4x?x?xf32>, tensor<?x4x?x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x4x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests that nothing fuses when the caller also uses the probabilities (the
// notes' MultiHeadAttention returns them).
// CHECK-LABEL: func.func @probabilities_used
// CHECK-NOT: xf.attention
// CHECK: xf.softmax
// EXPLAIN: remark: attention: not fused: the attention probabilities have another use
func.func @probabilities_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o, %p : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// Tests that a softmax over another axis than the keys does not fuse.
// CHECK-LABEL: func.func @wrong_axis
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the softmax axis is not the key axis
func.func @wrong_axis(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 2 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that a fill with -inf (fully masked rows become NaN) does not fuse.
// CHECK-LABEL: func.func @infinite_fill
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the fill value is not finite (fully masked rows would differ)
func.func @infinite_fill(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>,
                         %m: tensor<?x1x1x?xi1>) -> tensor<?x8x?x64xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %f = xf.masked_fill %s, %m {value = 0xFF800000 : f32} : tensor<?x8x?x?xf32>, tensor<?x1x1x?xi1>
  %p = xf.softmax %f {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o : tensor<?x8x?x64xf32>
}

// -----

// Tests that scores used twice do not fuse.
// CHECK-LABEL: func.func @scores_used
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: the scores have another use
func.func @scores_used(%q: tensor<?x8x?x64xf32>, %k: tensor<?x8x?x64xf32>, %v: tensor<?x8x?x64xf32>)
    -> (tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>) {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x8x?x64xf32>, tensor<?x8x?x64xf32>
  %p = xf.softmax %s {axis = 3 : i64} : tensor<?x8x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x8x?x?xf32>, tensor<?x8x?x64xf32>
  return %o, %s : tensor<?x8x?x64xf32>, tensor<?x8x?x?xf32>
}

// -----

// Tests that grouped-query (5-D) attention is left unfused, with its reason.
// CHECK-LABEL: func.func @grouped
// CHECK-NOT: xf.attention
// EXPLAIN: remark: attention: not fused: only 4-D attention [B, H, L, d] is fused (grouped queries are 5-D)
func.func @grouped(%q: tensor<?x2x2x?x16xf32>, %k: tensor<?x2x1x?x16xf32>, %v: tensor<?x2x1x?x16xf32>) -> tensor<?x2x2x?x16xf32> {
  %s = xf.matmul %q, %k {transpose_b = true} : tensor<?x2x2x?x16xf32>, tensor<?x2x1x?x16xf32>
  %p = xf.softmax %s {axis = 4 : i64} : tensor<?x2x2x?x?xf32>
  %o = xf.matmul %p, %v : tensor<?x2x2x?x?xf32>, tensor<?x2x1x?x16xf32>
  return %o : tensor<?x2x2x?x16xf32>
}
