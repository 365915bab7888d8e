//===- Kernels.cpp - Which builder makes a kernel; the activations --------===//

#include "halide/Kernels.h"

using namespace Halide;

bool xf::halide::buildKernel(const KernelSpec &spec, const Target &target,
                             const ScheduleChoice &schedule, BuiltKernel &out,
                             std::string &error) {
  bool built;
  if (spec.kind == "linear")
    built = buildLinear(spec, target, schedule, out, error);
  else if (spec.kind == "attention")
    built = buildAttention(spec, target, schedule, out, error);
  else if (spec.kind == "layer_norm" || spec.kind == "rms_norm")
    built = buildNorm(spec, target, schedule, out, error);
  else if (spec.kind == "elementwise")
    built = buildElementwise(spec, target, schedule, out, error);
  else if (spec.kind == "embedding")
    built = buildEmbedding(spec, target, schedule, out, error);
  else if (spec.kind == "sinusoid")
    built = buildSinusoid(spec, target, schedule, out, error);
  else if (spec.kind == "rope")
    built = buildRope(spec, target, schedule, out, error);
  else {
    error = "kernel '" + spec.name + "': unknown kind '" + spec.kind +
            "' (expected linear, attention, layer_norm, rms_norm, "
            "elementwise, embedding, sinusoid or rope)";
    return false;
  }
  if (built && !spec.unreadKey().empty()) {
    error = "kernel '" + spec.name + "' (" + spec.kind + "): unknown key '" +
            spec.unreadKey() + "'";
    return false;
  }
  return built;
}

bool xf::halide::applyActivation(const std::string &activation, Expr &y) {
  if (activation == "none")
    return true;
  if (activation == "relu")
    y = max(y, 0.0f);
  else if (activation == "gelu")
    y = 0.5f * y * (1.0f + erf(y * float(M_SQRT1_2)));
  else if (activation == "gelu_tanh")
    y = 0.5f * y *
        (1.0f + tanh(float(std::sqrt(2.0 / M_PI)) * (y + 0.044715f * y * y * y)));
  else if (activation == "silu")
    y = y / (1.0f + exp(-y));
  else
    return false;
  return true;
}
