//===- Attention.cpp - Scaled dot-product attention as a Halide pipeline --===//
//
// Algorithm (xf.attention without a boolean mask or cache offsets):
//   s(k, q) = scale · Σ_d Q(d, q) K(d, k), set to mask_value where key k
//   is padding (key_ids[b, k] == pad_id) or, when causal, k > q;
//   out(d, q) = Σ_k exp(s(k, q) - max_k s) V(d, k) / Σ_k exp(s(k, q) - max_k s)
// per batch row b and head h, K and V read at head h / (heads / kv_heads),
// as an online softmax over blocks of key_block keys (flash attention):
// per block its maximum, exponentials, sum and P·V, merged into a running
// (acc, max, sum). Each operand's layout (bhsd, bshd; K also bhds) fixes
// the order of its Halide dimensions.
//
// Schedule (knobs: attention.query_tile, attention.key_block,
// attention.key_tile): a parallel loop over (batch, head) pairs; per pair
// K is copied transposed once (as the MLIR kernel's Kᵀ); per tile of
// query_tile queries, per key block, the tile's scores against the block
// in registers of query_tile × key_tile, then the block's maxima,
// exponentials and sums, P·V, and the merge. Unlike the MLIR kernel,
// causal blocks past the diagonal are computed (then weigh 0), and the
// merge's rescaling runs once per output element, not per query row (the
// running maximum is part of a Tuple over the head's width).
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"
#include <limits>

using namespace Halide;

namespace {

/// Element (d, s, h, b) of `p`, stored in `layout`.
Expr at(Func p, const std::string &layout, Expr d, Expr s, Expr h, Expr b) {
  if (layout == "bshd")
    return p(d, h, s, b);
  if (layout == "bhds")
    return p(s, d, h, b);
  return p(d, s, h, b); // bhsd
}

/// The Halide dimension of `layout` that holds the sequence.
int seqDim(const std::string &layout) {
  return layout == "bshd" ? 2 : layout == "bhds" ? 0 : 1;
}

/// Extents (d, s, h, b) in `layout`'s Halide order, as estimates.
Region estimates(const std::string &layout, int d, int s, int h, int b) {
  if (layout == "bshd")
    return {{0, d}, {0, h}, {0, s}, {0, b}};
  if (layout == "bhds")
    return {{0, s}, {0, d}, {0, h}, {0, b}};
  return {{0, d}, {0, s}, {0, h}, {0, b}};
}

} // namespace

bool xf::halide::buildAttention(const KernelSpec &spec, const Target &target,
                                const ScheduleChoice &schedule,
                                BuiltKernel &out, std::string &error) {
  std::string qL, kL, vL, oL;
  long heads = 0, kvHeads = 0, D = 0, padId = 0;
  bool causal = false, keyIds = false;
  float scale = 0, maskValue = 0;
  if (!spec.word("q_layout", qL, error) || !spec.word("k_layout", kL, error) ||
      !spec.word("v_layout", vL, error) ||
      !spec.word("out_layout", oL, error) ||
      !spec.integer("heads", heads, error) ||
      !spec.integer("kv_heads", kvHeads, error) ||
      !spec.integer("head_dim", D, error) ||
      !spec.number("scale", scale, error) ||
      !spec.flag("causal", causal, error) ||
      !spec.flag("key_ids", keyIds, error) ||
      !spec.integer("pad_id", padId, error) ||
      !spec.number("mask_value", maskValue, error))
    return false;
  auto layoutOk = [](const std::string &l, bool transposedOk) {
    return l == "bhsd" || l == "bshd" || (transposedOk && l == "bhds");
  };
  if (!layoutOk(qL, false) || !layoutOk(kL, true) || !layoutOk(vL, false) ||
      !layoutOk(oL, false)) {
    error = "kernel '" + spec.name + "': unsupported layouts q=" + qL +
            " k=" + kL + " v=" + vL + " out=" + oL;
    return false;
  }
  if (heads < 1 || kvHeads < 1 || heads % kvHeads || D < 1) {
    error = "kernel '" + spec.name + "': heads " + std::to_string(heads) +
            ", kv_heads " + std::to_string(kvHeads) + ", head_dim " +
            std::to_string(D) + " are not valid";
    return false;
  }

  ImageParam qp(Float(32), 4, "q"), kp(Float(32), 4, "k"),
      vp(Float(32), 4, "v"), ids(Int(64), 2, "key_ids");
  Var d("d"), q("q"), k("k"), h("h"), b("b");
  Expr group = int(heads / kvHeads);
  Expr keys = kp.dim(seqDim(kL)).extent();
  // Tiles may run past the last query or key; they read clamped there and
  // nothing reads what they compute.
  // Only the sequence dimension is clamped: the others are never
  // over-computed.
  auto clampSeq = [](const ImageParam &p, int seq) {
    Region bounds(p.dimensions(), Range());
    bounds[seq] = Range(p.dim(seq).min(), p.dim(seq).extent());
    return BoundaryConditions::repeat_edge(p, bounds);
  };
  Func qc = clampSeq(qp, seqDim(qL));
  Func kc = clampSeq(kp, seqDim(kL));
  Func vc = clampSeq(vp, seqDim(vL));
  Func idc = clampSeq(ids, 0);

  // K as (k, d): contiguous along the keys, so scores vectorize over them.
  Func kt("kt");
  kt(k, d, h, b) = at(kc, kL, d, k, h, b);
  RDom rd(0, int(D), "rd");
  Func dot("dot");
  dot(k, q, h, b) = 0.0f;
  dot(k, q, h, b) += at(qc, qL, rd, q, h, b) * kt(k, rd, h / group, b);
  Func score("score");
  score(k, q, h, b) = dot(k, q, h, b);
  Expr blocked = cast<bool>(0);
  if (keyIds)
    blocked = blocked || idc(k, b) == Expr(int64_t(padId));
  if (causal)
    blocked = blocked || k > q;
  // Float(32).min() is -inf; `lowest` the least finite float.
  const Expr lowest(std::numeric_limits<float>::lowest());
  // Keys past the last are no keys at all (-inf: exp gives 0); blocked
  // keys take mask_value, as the interpreter's masked_fill does.
  Func masked("masked");
  masked(k, q, h, b) =
      select(k >= keys, Float(32).min(),
             select(blocked, maskValue, score(k, q, h, b) * scale));

  // Online softmax over blocks of `block` keys (flash attention): each
  // block's maximum, exponentials, sum and P·V relative to its own
  // maximum, then merged into a running (acc, max, sum) that rescales by
  // exp(old max - new max). A block's statistics do not depend on the
  // running state, so Halide computes them block by block inside the
  // merge's loop.
  // Never longer than the keys: a short sequence is one block of its own
  // length, not a padded one.
  const Expr block =
      min(keys, schedule.autoschedule
                    ? 512
                    : schedule.knobs->get("attention", "key_block", 512));
  Var kb("kb");
  RDom rj(0, block, "rj");
  Func blockMax("block_max");
  blockMax(q, kb, h, b) = Float(32).min();
  blockMax(q, kb, h, b) =
      max(blockMax(q, kb, h, b), masked(kb * block + rj, q, h, b));
  // A block of -inf scores (mask_value -inf) has weight 0, not NaN.
  Func blockRef("block_ref");
  blockRef(q, kb, h, b) = max(blockMax(q, kb, h, b), lowest);
  // Weights of the keys of block kb, j its j-th key (kb a loop of its
  // own: the block's maximum is one scalar per query, not a gather).
  Var j("j");
  Func p("p");
  p(j, q, kb, h, b) =
      exp(masked(kb * block + j, q, h, b) - blockRef(q, kb, h, b));
  Func blockSum("block_sum");
  blockSum(q, kb, h, b) = 0.0f;
  blockSum(q, kb, h, b) += p(rj, q, kb, h, b);
  Func pv("pv");
  pv(d, q, kb, h, b) = 0.0f;
  pv(d, q, kb, h, b) +=
      p(rj, q, kb, h, b) * at(vc, vL, d, kb * block + rj, h / group, b);

  RDom rb(0, (keys + block - 1) / block, "rb");
  Func state("state");
  state(d, q, h, b) = Tuple(0.0f, lowest, 0.0f);
  Expr oldMax = state(d, q, h, b)[1];
  Expr newMax = max(oldMax, blockRef(q, rb, h, b));
  Expr keep = exp(oldMax - newMax), add = exp(blockRef(q, rb, h, b) - newMax);
  state(d, q, h, b) =
      Tuple(state(d, q, h, b)[0] * keep + pv(d, q, rb, h, b) * add, newMax,
            state(d, q, h, b)[2] * keep + blockSum(q, rb, h, b) * add);
  Func result("attention");
  Expr value = state(d, q, h, b)[0] / state(d, q, h, b)[2];
  if (oL == "bshd")
    result(d, h, q, b) = value;
  else
    result(d, q, h, b) = value;

  qp.dim(0).set_bounds(0, int(D));
  if (kL == "bhds")
    kp.dim(1).set_bounds(0, int(D));
  else
    kp.dim(0).set_bounds(0, int(D));
  vp.dim(0).set_bounds(0, int(D));
  result.output_buffer().dim(0).set_bounds(0, int(D));

  if (schedule.autoschedule) {
    qp.set_estimates(estimates(qL, int(D), 512, int(heads), 1));
    kp.set_estimates(estimates(kL, int(D), 512, int(kvHeads), 1));
    vp.set_estimates(estimates(vL, int(D), 512, int(kvHeads), 1));
    if (keyIds)
      ids.set_estimates({{0, 512}, {0, 1}});
    result.set_estimates(estimates(oL, int(D), 512, int(heads), 1));
  } else {
    const int vec = target.natural_vector_size<float>();
    int dvec = vec;
    while (dvec > 1 && D % dvec)
      dvec /= 2;
    const int qTile = schedule.knobs->get("attention", "query_tile", 8);
    const int kTile = schedule.knobs->get("attention", "key_tile", 2 * vec);
    Var qo("qo"), qi("qi"), hb("hb"), ko("ko"), ki("ki");
    result.split(q, qo, qi, qTile, TailStrategy::GuardWithIf)
        .reorder(d, qi, qo, h, b)
        .fuse(h, b, hb)
        .parallel(hb);
    if (dvec > 1)
      result.vectorize(d, dvec);
    // Kᵀ per (batch, head), a copy even when K is stored bhds: the score
    // loop then reads it unclamped (a clamped vector load is a gather).
    kt.compute_at(result, hb).vectorize(k, vec);
    // The running state of a query tile, merged block by block.
    state.compute_at(result, qo).bound_extent(q, qTile);
    state.update().reorder(d, q, rb);
    if (dvec > 1) {
      state.vectorize(d, dvec);
      state.update().vectorize(d, dvec);
    }
    // Per key block: the tile's scores, key_tile keys at a time from a
    // register tile (dot: fixed size, so it unrolls into registers;
    // clamped reads past the last key are harmless), ...
    score.compute_at(state, rb)
        .bound_extent(q, qTile)
        .split(k, ko, ki, kTile, TailStrategy::GuardWithIf)
        .reorder(ki, q, ko)
        .vectorize(ki, vec);
    dot.compute_at(score, ko)
        .bound_extent(k, kTile)
        .bound_extent(q, qTile)
        .vectorize(k, vec)
        .unroll(k)
        .unroll(q);
    dot.update()
        .reorder(k, q, rd)
        .vectorize(k, vec)
        .unroll(k)
        .unroll(q);
    masked.compute_inline();
    // ... its maxima and sums in vec lanes of partial results (rfactor),
    // then the lanes reduced, ...
    for (Func *f : {&blockMax, &blockSum}) {
      RVar rjo("rjo"), rji("rji");
      Var lane("lane");
      f->compute_at(state, rb);
      Func partial = f->update()
                         .split(rj.x, rjo, rji, vec, TailStrategy::GuardWithIf)
                         .rfactor(rji, lane);
      partial.compute_at(state, rb).vectorize(lane, vec);
      partial.update().reorder(lane, q, rjo).vectorize(lane, vec);
    }
    blockRef.compute_at(state, rb);
    p.compute_at(state, rb).vectorize(j, vec);
    // ... and P·V, in halves of the head's width when it is wide: the
    // tile's rows × half a row of accumulators stay in registers.
    const int half = D % (2 * dvec) == 0 && D > 2 * dvec ? int(D / 2) : int(D);
    Var dOuter("d_outer"), dInner("d_inner");
    pv.compute_at(state, rb).bound_extent(q, qTile).bound_extent(d, int(D));
    pv.update()
        .split(d, dOuter, dInner, half)
        .reorder(dInner, q, rj, dOuter);
    if (dvec > 1) {
      pv.vectorize(d, dvec);
      pv.update().vectorize(dInner, dvec).unroll(dInner).unroll(q);
    }
  }
  out.pipeline = Pipeline(result);
  out.arguments = {qp, kp, vp};
  if (keyIds)
    out.arguments.push_back(ids);
  return true;
}
