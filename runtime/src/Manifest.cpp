//===- Manifest.cpp - What a compiled library contains --------------------===//

#include "runtime/src/Manifest.h"
#include "runtime/io/Json.h"
#include "xf/abi.h"

using namespace xf::rt;

namespace {
bool readShape(const Json *j, std::vector<int64_t> &out) {
  if (!j || j->kind != Json::Array)
    return false;
  for (const Json &d : j->array) {
    if (d.kind != Json::Number)
      return false;
    out.push_back(d.asInt());
  }
  return true;
}

bool readValue(const Json *j, ValueSpec &v) {
  if (!j || j->kind != Json::Object)
    return false;
  const Json *name = j->get(XF_KEY_NAME), *dtype = j->get(XF_KEY_DTYPE);
  if (!name || !dtype || !readShape(j->get(XF_KEY_SHAPE), v.shape))
    return false;
  v.name = name->string;
  v.isFloat = dtype->string == XF_DTYPE_F32;
  if (const Json *dims = j->get(XF_KEY_DIMS))
    for (const Json &d : dims->array)
      v.dims.push_back(d.string);
  v.dims.resize(v.shape.size());
  if (const Json *vocab = j->get(XF_KEY_VOCAB))
    v.vocab = vocab->asInt();
  if (const Json *maxLen = j->get(XF_KEY_MAX_LEN))
    v.maxLen = maxLen->asInt();
  if (const Json *state = j->get(XF_KEY_STATE))
    v.state = state->kind == Json::Other && state->string == "true";
  return true;
}

int64_t intOr(const Json &o, const char *key, int64_t fallback) {
  const Json *v = o.get(key);
  return v && v->kind == Json::Number ? v->asInt() : fallback;
}
} // namespace

bool xf::rt::parseManifest(const std::string &text, Manifest &out,
                           std::string &error) {
  Json root;
  if (!parseJson(text.data(), text.data() + text.size(), root, error))
    return false;
  const Json *entries = root.get(XF_KEY_ENTRIES);
  if (root.kind != Json::Object || !root.get(XF_KEY_MODEL) || !entries ||
      entries->kind != Json::Array) {
    error = "manifest: expected {\"model\": ..., \"entries\": [...]}";
    return false;
  }
  out.model = root.get(XF_KEY_MODEL)->string;
  if (const Json *cpu = root.get(XF_KEY_CPU))
    out.cpu = cpu->string;
  if (const Json *features = root.get(XF_KEY_CPU_FEATURES)) {
    if (features->kind != Json::Array) {
      error = "manifest: cpu_features must be a list";
      return false;
    }
    for (const Json &f : features->array)
      out.cpuFeatures.push_back(f.string);
  }
  if (const Json *gen = root.get(XF_KEY_GENERATION)) {
    const Json *input = gen->get(XF_KEY_INPUT);
    if (gen->kind != Json::Object || !input) {
      error = "manifest: malformed generation";
      return false;
    }
    GenerationSpec g;
    g.input = input->string;
    if (const Json *ids = gen->get(XF_KEY_MEMORY_IDS))
      g.memoryIds = ids->string;
    g.start = intOr(*gen, XF_KEY_START, -1);
    g.end = intOr(*gen, XF_KEY_END, -1);
    g.pad = intOr(*gen, XF_KEY_PAD, 0);
    g.vocab = intOr(*gen, XF_KEY_VOCAB, 0);
    g.maxLen = intOr(*gen, XF_KEY_MAX_LEN, 0);
    out.generation = g;
  }
  for (const Json &e : entries->array) {
    EntrySpec entry;
    const Json *name = e.get(XF_KEY_NAME), *symbol = e.get(XF_KEY_SYMBOL);
    const Json *inputs = e.get(XF_KEY_INPUTS), *params = e.get(XF_KEY_PARAMS);
    if (!name || !symbol || !inputs || !params ||
        !readValue(e.get(XF_KEY_OUTPUT), entry.output)) {
      error = "manifest: malformed entry";
      return false;
    }
    entry.name = name->string;
    entry.symbol = symbol->string;
    for (const Json &in : inputs->array) {
      ValueSpec v;
      if (!readValue(&in, v)) {
        error = "manifest: malformed input of entry '" + entry.name + "'";
        return false;
      }
      entry.inputs.push_back(std::move(v));
    }
    for (const Json &p : params->array) {
      ParamSpec spec;
      const Json *pname = p.get(XF_KEY_NAME);
      if (!pname || !readShape(p.get(XF_KEY_SHAPE), spec.shape)) {
        error = "manifest: malformed parameter of entry '" + entry.name + "'";
        return false;
      }
      spec.name = pname->string;
      if (const Json *dtype = p.get(XF_KEY_DTYPE)) {
        spec.dtype = dtype->string;
        if (spec.dtype != XF_DTYPE_F32 && spec.dtype != XF_DTYPE_BF16 &&
            spec.dtype != XF_DTYPE_I8) {
          error = "manifest: parameter '" + spec.name + "' has dtype '" +
                  spec.dtype + "' (expected f32, bf16 or i8)";
          return false;
        }
      }
      if (const Json *layout = p.get(XF_KEY_LAYOUT)) {
        if (layout->string != XF_LAYOUT_TRANSPOSED || spec.shape.size() != 2) {
          error = "manifest: parameter '" + spec.name + "' has layout '" +
                  layout->string + "' (expected " XF_LAYOUT_TRANSPOSED
                  " on a 2-D parameter)";
          return false;
        }
        spec.transposed = true;
      }
      entry.params.push_back(std::move(spec));
    }
    out.entries.push_back(std::move(entry));
  }
  return true;
}
