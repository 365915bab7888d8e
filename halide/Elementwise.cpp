//===- Elementwise.cpp - A chain of elementwise ops as a Halide pipeline --===//
//
// Algorithm (a tree of xf add/sub/mul/div/scale/relu/silu/tanh/gelu ops,
// codegen/Halide/ElementwiseChains.cpp): out(x) = expr(i0(x), i1(x), ...)
// over a result of `rank` dims, written in the spec as one expression:
//   e := iN | NUMBER | add(e,e) | sub(e,e) | mul(e,e) | div(e,e)
//      | relu(e) | silu(e) | tanh(e) | gelu(e) | gelu_tanh(e)
// Input N's key inN has one letter per result dim, outermost first: `d`
// reads the result's index, `1` index 0 (a stretched dim of size 1), `-`
// no dim (the input has fewer).
//
// Schedule (knob: elementwise.rows): the dims but the innermost fused into
// rows, a parallel loop over blocks of `rows` rows, each row in vectors
// (a rank-1 result: blocks of rows × 1024 elements).
//
//===----------------------------------------------------------------------===//

#include "halide/Kernels.h"
#include <cctype>
#include <cstdlib>

using namespace Halide;

namespace {

/// Reads an expression of the spec's language over `inputs`.
class ExpressionReader {
public:
  ExpressionReader(const std::string &text, const std::vector<Expr> &inputs)
      : text(text), inputs(inputs) {}

  /// The whole text as one expression; false with `why` otherwise.
  bool read(Expr &out, std::string &why) {
    if (!term(out, why))
      return false;
    if (pos != text.size())
      return fail("unexpected '" + text.substr(pos) + "'", why);
    return true;
  }

private:
  const std::string &text;
  const std::vector<Expr> &inputs;
  size_t pos = 0;

  bool fail(const std::string &what, std::string &why) {
    why = what + " at offset " + std::to_string(pos);
    return false;
  }
  bool expect(char c, std::string &why) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return fail(std::string("expected '") + c + "'", why);
  }

  bool term(Expr &out, std::string &why) {
    if (pos == text.size())
      return fail("expected an expression", why);
    char c = text[pos];
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' ||
        c == '.') {
      const char *start = text.c_str() + pos;
      char *end = nullptr;
      float value = std::strtof(start, &end);
      if (end == start)
        return fail("malformed number", why);
      pos += end - start;
      out = Expr(value);
      return true;
    }
    size_t start = pos;
    while (pos < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[pos])) ||
            text[pos] == '_'))
      ++pos;
    std::string name = text.substr(start, pos - start);
    if (name.empty())
      return fail("expected an expression", why);
    if (pos == text.size() || text[pos] != '(') {
      char *end = nullptr;
      long index = name[0] == 'i' && name.size() > 1
                       ? std::strtol(name.c_str() + 1, &end, 10)
                       : -1;
      if (index < 0 || *end || index >= long(inputs.size()))
        return fail("'" + name + "' is not an input (i0..i" +
                        std::to_string(inputs.size() - 1) + ")",
                    why);
      out = inputs[index];
      return true;
    }
    ++pos;
    std::vector<Expr> args(1);
    if (!term(args[0], why))
      return false;
    while (pos < text.size() && text[pos] == ',') {
      ++pos;
      args.emplace_back();
      if (!term(args.back(), why))
        return false;
    }
    if (!expect(')', why))
      return false;
    bool binary = name == "add" || name == "sub" || name == "mul" ||
                  name == "div";
    if (args.size() != (binary ? 2u : 1u))
      return fail(name + " takes " + (binary ? "2" : "1") + " argument(s)",
                  why);
    if (name == "add")
      out = args[0] + args[1];
    else if (name == "sub")
      out = args[0] - args[1];
    else if (name == "mul")
      out = args[0] * args[1];
    else if (name == "div")
      out = args[0] / args[1];
    else if (name == "tanh")
      out = tanh(args[0]);
    else {
      // relu, silu, gelu, gelu_tanh: as in a linear layer's epilogue.
      out = args[0];
      if (name == "none" || !xf::halide::applyActivation(name, out))
        return fail("unknown function '" + name + "'", why);
    }
    return true;
  }
};

} // namespace

bool xf::halide::buildElementwise(const KernelSpec &spec, const Target &target,
                                  const ScheduleChoice &schedule,
                                  BuiltKernel &out, std::string &error) {
  long rank = 0, count = 0;
  std::string text;
  if (!spec.integer("rank", rank, error) ||
      !spec.integer("inputs", count, error) || !spec.word("expr", text, error))
    return false;
  if (rank < 1 || rank > 8 || count < 1 || count > 64) {
    error = "kernel '" + spec.name + "': rank " + std::to_string(rank) +
            " and inputs " + std::to_string(count) +
            " must be within 1..8 and 1..64";
    return false;
  }
  // vars[j] is Halide dim j: the result's dim rank - 1 - j.
  std::vector<Var> vars;
  for (long j = 0; j < rank; ++j)
    vars.emplace_back("x" + std::to_string(j));
  std::vector<ImageParam> params;
  std::vector<Expr> reads;
  std::vector<std::string> letters;
  for (long i = 0; i < count; ++i) {
    std::string key = "in" + std::to_string(i), l;
    if (!spec.word(key, l, error))
      return false;
    size_t lead = l.find_first_not_of('-');
    if (long(l.size()) != rank || lead == std::string::npos ||
        l.find_first_not_of("d1", lead) != std::string::npos) {
      error = "kernel '" + spec.name + "': " + key + "=" + l + " is not " +
              std::to_string(rank) + " letters of d, 1 or leading -";
      return false;
    }
    params.emplace_back(Float(32), int(rank - lead), key);
    std::vector<Expr> at;
    for (long k = rank - 1; k >= long(lead); --k)
      at.push_back(l[k] == 'd' ? Expr(vars[rank - 1 - k]) : Expr(0));
    reads.push_back(params.back()(at));
    letters.push_back(l);
  }
  Expr value;
  std::string why;
  if (!ExpressionReader(text, reads).read(value, why)) {
    error = "kernel '" + spec.name + "': expr=" + text + ": " + why;
    return false;
  }
  Func result("elementwise");
  result(std::vector<Var>(vars)) = value;

  if (schedule.autoschedule) {
    // 512 along the innermost dim, 64 along the others.
    auto extent = [&](long halideDim) { return halideDim == 0 ? 512 : 64; };
    for (size_t i = 0; i < params.size(); ++i) {
      Region region;
      for (long k = rank - 1; k >= 0; --k)
        if (letters[i][k] != '-')
          region.push_back({0, letters[i][k] == 'd' ? extent(rank - 1 - k) : 1});
      params[i].set_estimates(region);
    }
    Region region;
    for (long j = 0; j < rank; ++j)
      region.push_back({0, extent(j)});
    result.set_estimates(region);
  } else {
    const int vec = target.natural_vector_size<float>();
    const int rows = schedule.knobs->get("elementwise", "rows", 8);
    Var row("row"), outer("outer"), inner("inner");
    if (rank == 1) {
      result.split(vars[0], outer, inner, rows * 1024, TailStrategy::GuardWithIf)
          .parallel(outer)
          .vectorize(inner, vec, TailStrategy::GuardWithIf);
    } else {
      Var fused = vars[1];
      for (long j = 2; j < rank; ++j) {
        Var next("rows" + std::to_string(j));
        result.fuse(fused, vars[j], next);
        fused = next;
      }
      result.split(fused, outer, inner, rows, TailStrategy::GuardWithIf)
          .parallel(outer)
          .vectorize(vars[0], vec, TailStrategy::GuardWithIf);
    }
  }
  out.pipeline = Pipeline(result);
  out.arguments.assign(params.begin(), params.end());
  return true;
}
