//===- Embedding.cpp - Rows of a table by token id, as a Halide pipeline --===//
//
// Algorithm (xf.embedding): out(d, n) = table(d, ids(n)) for ids [N] (xfc
// collapses the id dims) and a table [rows, width]. Ids outside [0, rows)
// are rejected by the runtime before the call; the read is clamped all the
// same, so a bad id cannot read outside the table.
//
// Schedule (knob: embedding.rows): a parallel loop over blocks of `rows`
// ids, each row copied in vectors.
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"

using namespace Halide;

bool xf::halide::buildEmbedding(const KernelSpec &spec, const Target &target,
                                const ScheduleChoice &schedule,
                                BuiltKernel &out, std::string &error) {
  long rows = 0, width = 0;
  if (!spec.integer("rows", rows, error) || !spec.integer("width", width, error))
    return false;
  if (rows < 1 || width < 1) {
    error = "kernel '" + spec.name + "': rows and width must be positive";
    return false;
  }
  ImageParam table(Float(32), 2, "table"), ids(Int(64), 1, "ids");
  table.dim(0).set_bounds(0, int(width));
  table.dim(1).set_bounds(0, int(rows));
  Var d("d"), n("n"), no("no"), ni("ni");
  Expr row = clamp(cast<int>(ids(n)), 0, int(rows) - 1);
  Func result("embedding");
  result(d, n) = table(d, row);
  result.output_buffer().dim(0).set_bounds(0, int(width));
  if (schedule.autoschedule) {
    table.set_estimates({{0, int(width)}, {0, int(rows)}});
    ids.set_estimates({{0, 512}});
    result.set_estimates({{0, int(width)}, {0, 512}});
  } else {
    const int vec = target.natural_vector_size<float>();
    const int block = schedule.knobs->get("embedding", "rows", 16);
    result.split(n, no, ni, block, TailStrategy::GuardWithIf).parallel(no);
    if (width >= vec)
      result.vectorize(d, vec, TailStrategy::GuardWithIf);
  }
  out.pipeline = Pipeline(result);
  out.arguments = {table, ids};
  return true;
}
