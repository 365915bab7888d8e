//===- Positions.cpp - Sinusoidal positions and rotary embeddings ---------===//
//
// Algorithms, as the interpreter computes them:
//   sinusoid (xf.sinusoid, xf.sinusoid_table): out(c, n) for position p (the
//     n-th of `positions`, or n itself for a table) is sin(angle) for even c
//     and cos(angle) for odd c, angle = f32(p) · f32(exp(f32(c - c % 2) ·
//     f32(-ln(1e4) / dim))), PyTorch's f32 recipe, the sine taken in f64;
//   rope (xf.rope): x [P, L, D] (the input's leading dims collapsed into P)
//     with position p = positions[P / group, l] (or l), each pair
//     (x[i], x[i + D/2]) rotated by p · base^(-2i/D), in f64 as the
//     interpreter does.
// Positions reach thousands of radians: the trigonometry is libm's (f64),
// not a polynomial.
//
// Schedule (knob: positions.rows): a parallel loop over blocks of rows; the
// f64 math runs lane by lane.
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"
#include <cmath>

using namespace Halide;

namespace {

void scheduleRows(Func f, Var row, const xf::halide::ScheduleChoice &schedule) {
  if (schedule.autoschedule)
    return;
  Var ro("ro"), ri("ri");
  const int rows = schedule.knobs->get("positions", "rows", 8);
  f.split(row, ro, ri, rows, TailStrategy::GuardWithIf).parallel(ro);
}

} // namespace

bool xf::halide::buildSinusoid(const KernelSpec &spec, const Target &,
                               const ScheduleChoice &schedule,
                               BuiltKernel &out, std::string &error) {
  long dim = 0;
  bool table = false;
  if (!spec.integer("dim", dim, error) || !spec.flag("table", table, error))
    return false;
  if (dim < 2 || dim % 2) {
    error = "kernel '" + spec.name + "': dim must be even and positive";
    return false;
  }
  ImageParam positions(Int(64), 1, "positions");
  Var c("c"), n("n");
  Expr p = table ? cast<float>(n) : cast<float>(positions(n));
  float factor = float(-std::log(10000.0) / double(dim));
  Expr divTerm = cast<float>(exp(cast<double>(cast<float>(c - c % 2) * factor)));
  Expr angle = cast<double>(p * divTerm);
  Func result("sinusoid");
  result(c, n) = cast<float>(select(c % 2 == 0, sin(angle), cos(angle)));
  result.output_buffer().dim(0).set_bounds(0, int(dim));
  if (schedule.autoschedule) {
    if (!table)
      positions.set_estimates({{0, 512}});
    result.set_estimates({{0, int(dim)}, {0, 512}});
  }
  scheduleRows(result, n, schedule);
  out.pipeline = Pipeline(result);
  out.arguments.clear();
  if (!table)
    out.arguments.push_back(positions);
  return true;
}

bool xf::halide::buildRope(const KernelSpec &spec, const Target &,
                           const ScheduleChoice &schedule, BuiltKernel &out,
                           std::string &error) {
  long width = 0, group = 0;
  float base = 0;
  bool hasPositions = false;
  if (!spec.integer("width", width, error) ||
      !spec.integer("group", group, error) ||
      !spec.number("base", base, error) ||
      !spec.flag("positions", hasPositions, error))
    return false;
  if (width < 2 || width % 2 || group < 1) {
    error = "kernel '" + spec.name + "': width must be even, group positive";
    return false;
  }
  ImageParam x(Float(32), 3, "x"), positions(Int(64), 2, "positions");
  x.dim(0).set_bounds(0, int(width));
  Var d("d"), l("l"), p("p");
  int half = int(width / 2);
  Expr i = d % half;
  Expr pos = hasPositions ? cast<double>(positions(l, p / int(group)))
                          : cast<double>(l);
  Expr angle = pos * pow(cast<double>(base),
                         Expr(-2.0) * cast<double>(i) / Expr(double(width)));
  Expr cosA = cos(angle), sinA = sin(angle);
  Expr x1 = cast<double>(x(i, l, p)), x2 = cast<double>(x(i + half, l, p));
  Func result("rope");
  result(d, l, p) = cast<float>(
      select(d < half, x1 * cosA - x2 * sinA, x2 * cosA + x1 * sinA));
  result.output_buffer().dim(0).set_bounds(0, int(width));
  if (schedule.autoschedule) {
    x.set_estimates({{0, int(width)}, {0, 512}, {0, 8}});
    if (hasPositions)
      positions.set_estimates({{0, 512}, {0, 1}});
    result.set_estimates({{0, int(width)}, {0, 512}, {0, 8}});
  }
  scheduleRows(result, l, schedule);
  out.pipeline = Pipeline(result);
  out.arguments = {x};
  if (hasPositions)
    out.arguments.push_back(positions);
  return true;
}
