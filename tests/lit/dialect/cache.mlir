// RUN: xf-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// Tests the ops of a generation step over a key/value cache: cache_write,
// positions, sinusoid, and the offsets/positions operands of causal_mask,
// rope and attention. Well-formed ones infer their types and round-trip;
// malformed ones are rejected with their message.

// CHECK-LABEL: func.func @step
// CHECK: xf.positions %{{.*}}, %{{.*}} : tensor<?xi64>
// CHECK: xf.sinusoid %{{.*}} {dim = 16 : i64} : tensor<?x?xi64>
// CHECK: xf.rope %{{.*}} positions(%{{.*}} : tensor<?x?xi64>)
// CHECK: xf.cache_write %{{.*}} into %{{.*}} offsets(%{{.*}} : tensor<?xi64>) {axis = 3 : i64}
// CHECK: xf.causal_mask %{{.*}}, %{{.*}} offsets(%{{.*}} : tensor<?xi64>)
// CHECK: xf.attention %{{.*}}, %{{.*}}, %{{.*}} query_offsets(%{{.*}} : tensor<?xi64>) {causal = true
func.func @step(%past: tensor<?xi64>, %q: tensor<?x2x?x8xf32>,
                %k: tensor<?x2x8x?xf32>, %kc: tensor<?x2x8x?xf32>,
                %vc: tensor<?x2x?x8xf32>)
    -> (tensor<?x?x16xf32>, tensor<?x2x?x8xf32>, tensor<?x?x?xi1>) {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %len = tensor.dim %q, %c2 : tensor<?x2x?x8xf32>
  %p = xf.positions %past, %len : tensor<?xi64>
  %pe = xf.sinusoid %p {dim = 16 : i64} : tensor<?x?xi64>
  %qr = xf.rope %q positions(%p : tensor<?x?xi64>) : tensor<?x2x?x8xf32>
  %kc2 = xf.cache_write %k into %kc offsets(%past : tensor<?xi64>) {axis = 3 : i64} : tensor<?x2x8x?xf32>, tensor<?x2x8x?xf32>
  %lk = tensor.dim %kc2, %c3 : tensor<?x2x8x?xf32>
  %m = xf.causal_mask %len, %lk offsets(%past : tensor<?xi64>)
  %o = xf.attention %qr, %kc2, %vc query_offsets(%past : tensor<?xi64>) {causal = true, scale = 0.35 : f32, k_layout = #xf.layout<bhds>} : tensor<?x2x?x8xf32>, tensor<?x2x8x?xf32>, tensor<?x2x?x8xf32>
  return %pe, %o, %m : tensor<?x?x16xf32>, tensor<?x2x?x8xf32>, tensor<?x?x?xi1>
}

// -----

func.func @cache_write_axis_is_batch(%r: tensor<?x2x?x8xf32>, %c: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{axis must be a non-batch dim of the cache (1 <= axis < 4), found 0}}
  %0 = xf.cache_write %r into %c {axis = 0 : i64} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
  return
}

// -----

func.func @cache_write_heads_differ(%r: tensor<?x4x?x8xf32>, %c: tensor<?x2x?x8xf32>) {
  // expected-error @+1 {{rows ?x4x?x8 must match the cache ?x2x?x8 in every dim but the axis 2}}
  %0 = xf.cache_write %r into %c {axis = 2 : i64} : tensor<?x4x?x8xf32>, tensor<?x2x?x8xf32>
  return
}

// -----

func.func @cache_write_offsets_not_rows(%r: tensor<2x2x?x8xf32>, %c: tensor<2x2x?x8xf32>, %o: tensor<3xi64>) {
  // expected-error @+1 {{offsets must be a vector of batch size 2, found shape 3}}
  %0 = xf.cache_write %r into %c offsets(%o : tensor<3xi64>) {axis = 2 : i64} : tensor<2x2x?x8xf32>, tensor<2x2x?x8xf32>
  return
}

// -----

func.func @query_offsets_without_causal(%q: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %o: tensor<?xi64>) {
  // expected-error @+1 {{query_offsets needs causal (they place each row's queries after its cache)}}
  %0 = xf.attention %q, %v, %v query_offsets(%o : tensor<?xi64>) {scale = 1.0 : f32} : tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>
  return
}

// -----

func.func @rope_positions_wrong_length(%q: tensor<1x2x5x8xf32>, %p: tensor<1x4xi64>) {
  // expected-error @+1 {{positions must be [batch, length] of an input [batch, ..., length, dim] of rank >= 3, found positions 1x4 for an input 1x2x5x8}}
  %0 = xf.rope %q positions(%p : tensor<1x4xi64>) : tensor<1x2x5x8xf32>
  return
}

// -----

func.func @sinusoid_odd_dim(%p: tensor<?x?xi64>) {
  // expected-error @+1 {{dim must be positive and even, found 7}}
  %0 = xf.sinusoid %p {dim = 7 : i64} : tensor<?x?xi64>
  return
}
