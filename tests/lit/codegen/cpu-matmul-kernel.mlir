// RUN: xf-opt %s --split-input-file --xf-cpu-matmul-kernel | FileCheck %s --check-prefixes=CHECK,GENERIC
// RUN: xf-opt %s --split-input-file --xf-cpu-matmul-kernel="vnni=true avx512bf16=true" | FileCheck %s --check-prefixes=CHECK,NATIVE

// Tests that a tagged x · Wᵀ on buffers becomes a call of the outer-product
// kernel, one private out-of-line function per K shared by both calls (M and
// N cast to dynamic): x packed into panels of 16 rows stored column by column
// (16x16 register transposes for the first K - K % 16 columns of full panels,
// element by element otherwise, zero past the last row), W read as stored;
// one parallel loop over panel chunks x column blocks; tiles of 2 panels x 12
// columns (24 accumulators, 2 vector loads and 12 broadcasts of W per step,
// K by 4 then the rest), a last odd panel with 12; results transposed back
// into rows and stored, masked to the strip's columns, only for rows that
// exist; one tile for every strip: the last one (N = 64 is not a multiple
// of 12) starts at min(s, N - 12) and masks off the columns before s. The
// dead zero fill of C goes.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X0:.+]]: memref<?x512xf32>, %[[W0:.+]]: memref<64x512xf32>, %[[Y0:.+]]: memref<?x64xf32>, %[[Y1:.+]]: memref<?x64xf32>)
// CHECK-NOT: linalg
// CHECK: %[[WC:.+]] = memref.cast %[[W0]] : memref<64x512xf32> to memref<?x512xf32>
// CHECK: %[[YC:.+]] = memref.cast %[[Y0]] : memref<?x64xf32> to memref<?x?xf32>
// CHECK: call @xf_linear_k512(%[[X0]], %[[WC]], %[[YC]])
// CHECK: call @xf_linear_k512(%[[X0]],
// CHECK: func.func private @xf_linear_k512
// CHECK-SAME: (%[[X:.+]]: memref<?x512xf32>, %[[W:.+]]: memref<?x512xf32>, %[[Y:.+]]: memref<?x?xf32>)
// CHECK-SAME: attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: %[[N:.+]] = memref.dim %[[Y]], %c1
// CHECK: %[[XP:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {alignment = 64 : i64} : memref<?x?x16xf32>
// The pack.
// CHECK: scf.parallel
// CHECK: scf.if
// CHECK-COUNT-16: vector.load %[[X]]
// CHECK: vector.transpose
// CHECK-COUNT-16: vector.store %{{.+}}, %[[XP]]
// CHECK: memref.load %[[X]]
// CHECK: } else {
// CHECK: memref.load %[[X]]
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: memref.store %{{.+}}, %[[XP]]
// The tiles, by row bands: for each pair of panels (then a last single
// one), the block's strips left to right (so C rows are written in
// adjacent pieces).
// CHECK: %[[NW:.+]] = memref.dim %[[W]], %c0
// CHECK: %[[LAST:.+]] = arith.subi %[[NW]], %c12
// CHECK: scf.parallel
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c2
// CHECK: scf.for %[[S:.+]] = %{{.+}} to %{{.+}} step %c12
// CHECK: %[[N0:.+]] = arith.minui %[[S]], %[[LAST]]
// CHECK: %[[END:.+]] = arith.addi %[[S]], %c12
// CHECK: %[[TO:.+]] = arith.minui %[[N]], %[[END]]
// CHECK-NOT: arith.minui
// CHECK: scf.for {{.*}} step %c4{{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-2: vector.load %[[XP]]
// CHECK: memref.load %[[W]]
// CHECK: vector.broadcast
// CHECK-COUNT-2: vector.fma
// CHECK: %[[COLS:.+]] = arith.addi %cst{{.*}} : vector<12xindex>
// CHECK: arith.cmpi uge, %[[COLS]]
// CHECK: arith.cmpi ult, %[[COLS]]
// CHECK: %[[MASK:.+]] = arith.andi
// CHECK: vector.transpose
// CHECK: scf.if
// CHECK: vector.maskedstore %[[Y]][%{{.+}}, %[[N0]]], %[[MASK]]
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c1
// CHECK: scf.for %{{.+}} = %{{.+}} to %{{.+}} step %c12
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-NOT: scf.parallel
// CHECK: vector.maskedstore %[[Y]]
// CHECK: memref.dealloc %[[XP]]
#x = affine_map<(d0, d1, d2) -> (d1, d2)>
#w = affine_map<(d0, d1, d2) -> (d0, d2)>
#y = affine_map<(d0, d1, d2) -> (d1, d0)>
func.func @linear(%x: memref<?x512xf32>, %w: memref<64x512xf32>, %y: memref<?x64xf32>, %y1: memref<?x64xf32>) {
  %z = arith.constant 0.0 : f32
  linalg.fill ins(%z : f32) outs(%y : memref<?x64xf32>)
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x512xf32>, memref<64x512xf32>) outs(%y : memref<?x64xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x512xf32>, memref<64x512xf32>) outs(%y1 : memref<?x64xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that x and C of rank 3 are collapsed to rows, and that another K
// gets its own kernel.
// CHECK-LABEL: func.func @odd_k
// CHECK: memref.collapse_shape {{.*}} into memref<?x20xf32>
// CHECK: memref.collapse_shape {{.*}} into memref<?x12xf32>
// CHECK: call @xf_linear_k20
// CHECK: func.func private @xf_linear_k20
#x3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#w3 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#y3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
func.func @odd_k(%x: memref<?x?x20xf32>, %w: memref<12x20xf32>, %y: memref<?x?x12xf32>) {
  linalg.generic {indexing_maps = [#x3, #w3, #y3], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x20xf32>, memref<12x20xf32>) outs(%y : memref<?x?x12xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests that a weight of fewer than 12 rows is copied, zero-padded, into 12
// rows before the call by sequential loops (the kernel reads whole strips
// of 12 weight rows) and freed after it, while C keeps its 5 columns.
// CHECK-LABEL: func.func @narrow
// CHECK-SAME: (%[[X:.+]]: memref<?x8xf32>, %[[W:.+]]: memref<5x8xf32>, %[[Y:.+]]: memref<?x5xf32>)
// CHECK: %[[PAD:.+]] = memref.alloc() {alignment = 64 : i64} : memref<12x8xf32>
// CHECK-NOT: scf.parallel
// CHECK: scf.for %[[R:.+]] = %c0 to %c5 step %c1 {
// CHECK: scf.for %[[K:.+]] = %c0 to %c8 step %c1 {
// CHECK: %[[V:.+]] = memref.load %[[W]][%[[R]], %[[K]]]
// CHECK: memref.store %[[V]], %[[PAD]][%[[R]], %[[K]]]
// CHECK: scf.for %[[Z:.+]] = %c5 to %c12 step %c1 {
// CHECK: memref.store %cst, %[[PAD]][%[[Z]], %{{.+}}]
// CHECK: %[[PC:.+]] = memref.cast %[[PAD]] : memref<12x8xf32> to memref<?x8xf32>
// CHECK: %[[YC:.+]] = memref.cast %[[Y]] : memref<?x5xf32> to memref<?x?xf32>
// CHECK: call @xf_linear_k8(%[[X]], %[[PC]], %[[YC]])
// CHECK: memref.dealloc %[[PAD]]
// CHECK: return
func.func @narrow(%x: memref<?x8xf32>, %w: memref<5x8xf32>, %y: memref<?x5xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x8xf32>, memref<5x8xf32>) outs(%y : memref<?x5xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Tests an int8 linear layer: the narrow weight copied into 12 rows plus
// the tail bytes past them (ceil(64 / 37) = 2 rows), its scales and sums
// into [2, 12]; the kernel quantizes x's rows over [min(x, 0), max(x, 0)]
// (roundeven of x · 255 / range plus the zero point, clamped to
// [-128, 127]), multiplies groups of 4 bytes with AVX512-VNNI's vpdpbusd
// where the CPU has it, else with 32-bit integer ops, and takes the zero
// point back with W's row sums.
// CHECK-LABEL: func.func @int8
// CHECK: %[[PAD:.+]] = memref.alloc() {alignment = 64 : i64} : memref<14x37xi8>
// CHECK: %[[SPAD:.+]] = memref.alloc() {alignment = 64 : i64} : memref<2x12xf32>
// CHECK: call @xf_linear_int8_k37(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x37xf32>, memref<?x37xi8>, memref<?x?xf32>, memref<?x?xf32>) -> ()
// CHECK: memref.dealloc %[[PAD]]
// CHECK: memref.dealloc %[[SPAD]]
// CHECK: func.func private @xf_linear_int8_k37
// CHECK: memref.alloca() {alignment = 64 : i64} : memref<1x48xi8>
// CHECK: arith.maximumf %{{.+}} : vector<16xf32>
// CHECK: arith.minimumf %{{.+}} : vector<16xf32>
// CHECK: math.roundeven %{{.+}} : vector<16xf32>
// CHECK: arith.maxsi %{{.+}} : vector<16xi32>
// CHECK: arith.minsi %{{.+}} : vector<16xi32>
// NATIVE: llvm.inline_asm asm_dialect = att "vpdpbusd $2, $1, $0", "=v,v,v,0" {{.*}} : (vector<64xi8>, vector<64xi8>, vector<16xi32>) -> vector<16xi32>
// GENERIC-NOT: llvm.inline_asm
// GENERIC: arith.muli %{{.+}}, %{{.+}} : vector<16xi32>
// The panels: [P, groups of 4 of K rounded up to 48, 16 rows x 4].
// CHECK: memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?x12x64xi8>
func.func @int8(%x: memref<?x37xf32>, %w: memref<5x37xi8>, %s: memref<2x5xf32>, %y: memref<?x5xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w, %s : memref<?x37xf32>, memref<5x37xi8>, memref<2x5xf32>) outs(%y : memref<?x5xf32>)
      attrs = {xf.weight_matmul = "int8"} {
  ^bb0(%a: f32, %b: i8, %c: f32, %o: f32):
    %bf = arith.sitofp %b : i8 to f32
    %d = arith.mulf %bf, %c : f32
    %p = arith.mulf %a, %d : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests a bf16 linear layer: x's rows rounded to bf16, pairs of K per lane,
// AVX512-BF16's vdpbf16ps where the CPU has it, else two f32 FMAs per pair.
// CHECK-LABEL: func.func @bf16
// CHECK: call @xf_linear_bf16_k64(%{{.+}}, %{{.+}}, %{{.+}}) : (memref<?x64xf32>, memref<?x64xbf16>, memref<?x?xf32>) -> ()
// CHECK: func.func private @xf_linear_bf16_k64
// NATIVE: arith.truncf %{{.+}} : vector<16xf32> to vector<16xbf16>
// NATIVE: llvm.inline_asm asm_dialect = att "vdpbf16ps $2, $1, $0", "=v,v,v,0" {{.*}} : (vector<32xbf16>, vector<32xbf16>, vector<16xf32>) -> vector<16xf32>
// GENERIC-NOT: arith.truncf
// GENERIC: vector.fma
// CHECK: memref.alloc(%{{.+}}) {alignment = 64 : i64} : memref<?x32x32xbf16>
func.func @bf16(%x: memref<?x64xf32>, %w: memref<16x64xbf16>, %y: memref<?x16xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<16x64xbf16>) outs(%y : memref<?x16xf32>)
      attrs = {xf.weight_matmul = "bf16"} {
  ^bb0(%a: f32, %b: bf16, %o: f32):
    %bf = arith.extf %b : bf16 to f32
    %p = arith.mulf %a, %bf : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Tests the streaming path of one row of x (the default shapes stream 1,
// 2, then 4 rows, one row of W at a time): K = 80 in steps of 64 dealt to
// 4 accumulators, which are added pairwise, then the step of 16 left over
// into one, then each output reduced as a tree (reassociated).
// CHECK-LABEL: func.func private @xf_linear_k80
// CHECK: arith.cmpi ule, %{{.+}}, %c1
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} step %c64 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK: %[[A:.+]] = arith.addf %[[S:.+]]#0, %[[S]]#2 : vector<16xf32>
// CHECK: %[[B:.+]] = arith.addf %[[S]]#1, %[[S]]#3 : vector<16xf32>
// CHECK: %[[AB:.+]] = arith.addf %[[A]], %[[B]] : vector<16xf32>
// CHECK: scf.for {{.*}} step %c16 iter_args(%{{.+}} = %[[AB]]) -> (vector<16xf32>)
// CHECK: vector.reduction <add>, %{{.+}} fastmath<reassoc> : vector<16xf32> into f32
// Two rows: two outputs, each over 2 accumulators.
// CHECK: arith.cmpi ule, %{{.+}}, %c2
// CHECK: scf.for {{.*}} step %c32{{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
func.func @stream(%x: memref<?x80xf32>, %w: memref<40x80xf32>, %y: memref<?x40xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x80xf32>, memref<40x80xf32>) outs(%y : memref<?x40xf32>)
      attrs = {xf.weight_matmul} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  }
  return
}
