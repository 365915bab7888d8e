//===- Norm.cpp - LayerNorm and RMSNorm as Halide pipelines ---------------===//
//
// Algorithm (xf.layer_norm, xf.rms_norm over the last axis of x [M, N]):
//   layer_norm: v = x (+ residual); (v - mean) / sqrt(var + eps) · w + b,
//               the biased variance, w and b optional;
//   rms_norm:   x / sqrt(mean(x²) + eps) · w, w optional.
//
// Schedule (knob: norm.rows): a parallel loop over blocks of `rows` rows;
// per row the summed input is kept (when there is a residual), its
// statistics reduced with vector partial sums (rfactor), and the output
// written vectorized along the row.
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"

using namespace Halide;

namespace {

/// Σ_n f(n, m) as a Func of m whose reduction runs in `vec` lanes of
/// partial sums (f's row in order, then the lanes added): scheduled at
/// `at`'s loop `var`.
Func rowSum(Func f, Expr width, int vec, const std::string &name,
            bool schedule, Func at, Var var) {
  Var m("m");
  RDom r(0, width, name + "_r");
  Func sum(name);
  sum(m) = 0.0f;
  sum(m) += f(r, m);
  if (schedule) {
    RVar ro("ro"), ri("ri");
    Var lane("lane");
    sum.compute_at(at, var);
    Func partial = sum.update()
                       .split(r.x, ro, ri, vec, TailStrategy::GuardWithIf)
                       .rfactor(ri, lane);
    partial.compute_at(at, var).vectorize(lane, vec);
    partial.update().vectorize(lane, vec);
  }
  return sum;
}

} // namespace

bool xf::halide::buildNorm(const KernelSpec &spec, const Target &target,
                           const ScheduleChoice &schedule, BuiltKernel &out,
                           std::string &error) {
  bool rms = spec.kind == "rms_norm";
  bool hasWeight = false, hasBias = false, hasResidual = false;
  long N = 0;
  float eps = 0;
  if (!spec.integer("n", N, error) || !spec.flag("weight", hasWeight, error) ||
      !spec.number("epsilon", eps, error))
    return false;
  if (!rms && (!spec.flag("bias", hasBias, error) ||
               !spec.flag("residual", hasResidual, error)))
    return false;
  if (N < 1) {
    error = "kernel '" + spec.name + "': n must be positive";
    return false;
  }

  ImageParam x(Float(32), 2, "x"), weight(Float(32), 1, "weight"),
      bias(Float(32), 1, "bias"), residual(Float(32), 2, "residual");
  x.dim(0).set_bounds(0, int(N));
  Var n("n"), m("m"), mo("mo"), mi("mi");
  Func result(spec.kind);
  bool hand = !schedule.autoschedule;
  const int vec = target.natural_vector_size<float>();
  const int rows = hand ? schedule.knobs->get("norm", "rows", 4) : 1;
  Func v("v");
  v(n, m) = hasResidual ? x(n, m) + residual(n, m) : x(n, m);
  Expr inv = 1.0f / float(N);
  Expr y;
  if (rms) {
    Func sq("sq");
    sq(n, m) = v(n, m) * v(n, m);
    Func ss = rowSum(sq, int(N), vec, "sum_sq", hand, result, mi);
    y = v(n, m) / sqrt(ss(m) * inv + eps);
  } else {
    Func s = rowSum(v, int(N), vec, "sum", hand, result, mi);
    Func mean("mean");
    mean(m) = s(m) * inv;
    Func centered("centered");
    centered(n, m) = v(n, m) - mean(m);
    Func sq("sq");
    sq(n, m) = centered(n, m) * centered(n, m);
    Func var = rowSum(sq, int(N), vec, "sum_sq", hand, result, mi);
    y = centered(n, m) / sqrt(var(m) * inv + eps);
    if (hand)
      mean.compute_at(result, mi);
  }
  if (hasWeight)
    y *= weight(n);
  if (hasBias)
    y += bias(n);
  result(n, m) = y;
  result.output_buffer().dim(0).set_bounds(0, int(N));
  if (hasWeight)
    weight.dim(0).set_bounds(0, int(N));
  if (hasBias)
    bias.dim(0).set_bounds(0, int(N));
  if (hasResidual)
    residual.dim(0).set_bounds(0, int(N));

  if (!hand) {
    x.set_estimates({{0, int(N)}, {0, 512}});
    if (hasWeight)
      weight.set_estimates({{0, int(N)}});
    if (hasBias)
      bias.set_estimates({{0, int(N)}});
    if (hasResidual)
      residual.set_estimates({{0, int(N)}, {0, 512}});
    result.set_estimates({{0, int(N)}, {0, 512}});
  } else {
    result.split(m, mo, mi, rows, TailStrategy::GuardWithIf)
        .parallel(mo)
        .vectorize(n, vec, TailStrategy::GuardWithIf);
    if (hasResidual)
      v.compute_at(result, mi).vectorize(n, vec, TailStrategy::GuardWithIf);
  }
  out.pipeline = Pipeline(result);
  out.arguments = {x};
  // xfc's operand order: x, residual, weight, bias.
  for (auto [present, param] : {std::pair{hasResidual, &residual},
                                {hasWeight, &weight},
                                {hasBias, &bias}})
    if (present)
      out.arguments.push_back(*param);
  return true;
}
