//===- Manifest.cpp - What a compiled library contains --------------------===//

#include "runtime/src/Manifest.h"
#include "runtime/src/Json.h"

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
  const Json *name = j->get("name"), *dtype = j->get("dtype");
  if (!name || !dtype || !readShape(j->get("shape"), v.shape))
    return false;
  v.name = name->string;
  v.isFloat = dtype->string == "f32";
  if (const Json *dims = j->get("dims"))
    for (const Json &d : dims->array)
      v.dims.push_back(d.string);
  v.dims.resize(v.shape.size());
  if (const Json *vocab = j->get("vocab"))
    v.vocab = vocab->asInt();
  if (const Json *maxLen = j->get("max_len"))
    v.maxLen = maxLen->asInt();
  return true;
}
} // namespace

bool xf::rt::parseManifest(const std::string &text, Manifest &out,
                           std::string &error) {
  Json root;
  if (!parseJson(text.data(), text.data() + text.size(), root, error))
    return false;
  const Json *entries = root.get("entries");
  if (root.kind != Json::Object || !root.get("model") || !entries ||
      entries->kind != Json::Array) {
    error = "manifest: expected {\"model\": ..., \"entries\": [...]}";
    return false;
  }
  out.model = root.get("model")->string;
  if (const Json *cpu = root.get("cpu"))
    out.cpu = cpu->string;
  if (const Json *features = root.get("cpu_features")) {
    if (features->kind != Json::Array) {
      error = "manifest: cpu_features must be a list";
      return false;
    }
    for (const Json &f : features->array)
      out.cpuFeatures.push_back(f.string);
  }
  for (const Json &e : entries->array) {
    EntrySpec entry;
    const Json *name = e.get("name"), *symbol = e.get("symbol");
    const Json *inputs = e.get("inputs"), *params = e.get("params");
    if (!name || !symbol || !inputs || !params ||
        !readValue(e.get("output"), entry.output)) {
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
      const Json *pname = p.get("name");
      if (!pname || !readShape(p.get("shape"), spec.shape)) {
        error = "manifest: malformed parameter of entry '" + entry.name + "'";
        return false;
      }
      spec.name = pname->string;
      entry.params.push_back(std::move(spec));
    }
    out.entries.push_back(std::move(entry));
  }
  return true;
}
