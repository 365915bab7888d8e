//===- Linear.cpp - x · Wᵀ + bias, activation, as a Halide pipeline -------===//
//
// Algorithm: prod(n, m) = Σ_k x(k, m) · W[n, k], then bias and activation
// (xf.matmul's epilogue) and a residual added (an xf.add of the result,
// fused by xfc), on x [M, K] (M dynamic), W [N, K] (or [K, N] without
// transpose_b), bias [N], residual [M, N].
//
// Schedule (knobs: linear.tile_cols, linear.tile_rows): a parallel loop
// over panels of tile_cols output columns; each task first copies its
// panel of W transposed (K × tile_cols, contiguous along the columns:
// the copy the MLIR kernel avoids by reading W as stored), then walks the
// rows in register tiles of tile_rows × tile_cols accumulators, the K loop
// innermost but for the tile. Inputs are clamped at their edges so the
// tiles may run past the last row and column; the output's splits are
// guarded.
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"

using namespace Halide;

bool xf::halide::buildLinear(const KernelSpec &spec, const Target &target,
                             const ScheduleChoice &schedule, BuiltKernel &out,
                             std::string &error) {
  bool transposeB = false, hasBias = false, hasResidual = false;
  long K = 0, N = 0;
  std::string activation;
  if (!spec.flag("transpose_b", transposeB, error) ||
      !spec.flag("bias", hasBias, error) ||
      !spec.word("activation", activation, error) ||
      !spec.integer("k", K, error) || !spec.integer("n", N, error) ||
      !spec.flag("residual", hasResidual, error))
    return false;
  if (K < 1 || N < 1) {
    error = "kernel '" + spec.name + "': k and n must be positive";
    return false;
  }

  ImageParam x(Float(32), 2, "x"), w(Float(32), 2, "w"),
      bias(Float(32), 1, "bias"), residual(Float(32), 2, "residual");
  x.dim(0).set_bounds(0, int(K));
  w.dim(0).set_bounds(0, int(transposeB ? K : N));
  w.dim(1).set_bounds(0, int(transposeB ? N : K));
  if (hasBias)
    bias.dim(0).set_bounds(0, int(N));
  Func xc = BoundaryConditions::repeat_edge(x);
  Func wc = BoundaryConditions::repeat_edge(w);

  Var n("n"), m("m");
  Func wt("wt");
  wt(n, m) = transposeB ? wc(m, n) : wc(n, m); // (column, k)
  RDom r(0, int(K), "r");
  Func prod("prod");
  prod(n, m) = 0.0f;
  prod(n, m) += xc(r, m) * wt(n, r);
  Expr y = prod(n, m);
  if (hasBias)
    y += BoundaryConditions::repeat_edge(bias)(n);
  if (!applyActivation(activation, y)) {
    error = "kernel '" + spec.name + "': unknown activation '" + activation +
            "'";
    return false;
  }
  if (hasResidual) {
    residual.dim(0).set_bounds(0, int(N));
    y += residual(n, m);
  }
  Func result("linear");
  result(n, m) = y;
  result.output_buffer().dim(0).set_bounds(0, int(N));

  if (schedule.autoschedule) {
    x.set_estimates({{0, int(K)}, {0, 512}});
    w.set_estimates({{0, int(transposeB ? K : N)}, {0, int(transposeB ? N : K)}});
    if (hasBias)
      bias.set_estimates({{0, int(N)}});
    if (hasResidual)
      residual.set_estimates({{0, int(N)}, {0, 512}});
    result.set_estimates({{0, int(N)}, {0, 512}});
  } else {
    const int vec = target.natural_vector_size<float>();
    const int cols = schedule.knobs->get("linear", "tile_cols", 2 * vec);
    const int rows = schedule.knobs->get("linear", "tile_rows", vec >= 16 ? 8 : 4);
    Var no("no"), ni("ni"), mo("mo"), mi("mi");
    result.split(n, no, ni, cols, TailStrategy::GuardWithIf)
        .split(m, mo, mi, rows, TailStrategy::GuardWithIf)
        .reorder(ni, mi, mo, no)
        .vectorize(ni, vec)
        .parallel(no);
    wt.compute_at(result, no).vectorize(n, vec);
    // A fixed-size tile, so its loops unroll into registers (the inputs'
    // clamps make the rows and columns past the edge harmless).
    prod.compute_at(result, mo)
        .bound_extent(n, cols)
        .bound_extent(m, rows)
        .vectorize(n, vec)
        .unroll(m);
    prod.update()
        .reorder(n, m, r)
        .vectorize(n, vec)
        .unroll(n)
        .unroll(m);
  }
  out.pipeline = Pipeline(result);
  // xfc's operand order: x, [residual], w, [bias].
  out.arguments = {x};
  if (hasResidual)
    out.arguments.push_back(residual);
  out.arguments.push_back(w);
  if (hasBias)
    out.arguments.push_back(bias);
  return true;
}
