//===- Artifacts.cpp - The manifest and header of a compiled model --------===//
//
// Describes each entry function for the runtime (JSON) and for C callers (a
// header of typed wrappers over xf_model_run). Dynamic dims are named after
// what they measure: `batch` and `<input>_len`.
//
//===----------------------------------------------------------------------===//

#include "compiler/Artifacts.h"
#include "dialect/IR/XfDialect.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "xf/abi.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include <cctype>
#include <sstream>

using namespace mlir;
namespace ast = ::xf::ast;

namespace {

struct ValueInfo {
  std::string name;
  RankedTensorType type;
  std::vector<std::string> dims;
  int64_t vocab = 0, maxLen = 0;
  bool state = false; ///< a generation cache (XF_KEY_STATE)
};

/// Names the dims of an entry value and finds its token-id limits.
ValueInfo describe(const std::string &name, RankedTensorType type,
                   const ast::Model &model) {
  ValueInfo v{name, type, {}, 0, 0};
  v.dims.assign(type.getRank(), "");
  if (type.getElementType().isInteger(64) && type.getRank() == 1) {
    v.dims[0] = "batch"; // a generation step's cache lengths
  } else if (type.getElementType().isInteger(64)) {
    v.dims[0] = "batch";
    v.dims[1] = name + "_len";
    for (const ast::Stack &s : model.stacks) {
      if (s.input == name) {
        v.vocab = s.vocab;
        v.maxLen = s.maxLen;
      }
      // A stack's other token-wise inputs: as long as its ids, each value
      // below its own bound (the runtime checks it like a token id).
      if (name != s.attentionMask && name != s.positionIds &&
          name != s.tokenTypes)
        continue;
      v.dims[1] = s.input + "_len";
      v.vocab = name == s.attentionMask ? 2
                : name == s.tokenTypes  ? s.typeVocab
                : s.positions == ast::Positions::Rotary ? 0
                                                        : s.maxLen;
    }
  } else if (const ast::Stack *s = model.findStackProducing(name)) {
    v.dims[0] = "batch";
    v.dims[1] = s->input + "_len";
  } else if (model.findStackPooling(name)) {
    v.dims[0] = "batch";
  }
  return v;
}

llvm::json::Array jsonShape(RankedTensorType t) {
  llvm::json::Array shape;
  for (int64_t k = 0; k < t.getRank(); ++k)
    shape.push_back(t.isDynamicDim(k) ? int64_t(-1) : t.getDimSize(k));
  return shape;
}

llvm::json::Object jsonValue(const ValueInfo &v) {
  llvm::json::Object o{{XF_KEY_NAME, v.name},
                       {XF_KEY_DTYPE, v.type.getElementType().isF32()
                                          ? XF_DTYPE_F32
                                          : XF_DTYPE_I64},
                       {XF_KEY_SHAPE, jsonShape(v.type)},
                       {XF_KEY_DIMS, llvm::json::Array(v.dims)}};
  if (v.vocab)
    o[XF_KEY_VOCAB] = v.vocab;
  if (v.maxLen)
    o[XF_KEY_MAX_LEN] = v.maxLen;
  if (v.state)
    o[XF_KEY_STATE] = true;
  return o;
}

std::string stringAttr(Attribute a) {
  auto s = dyn_cast_or_null<StringAttr>(a);
  return s ? s.str() : "";
}

/// Inputs and output of an entry function: the arguments before the
/// parameters (xf.params), named by their `xf.name` (or `arg<i>`).
std::pair<std::vector<ValueInfo>, ValueInfo>
entryValues(func::FuncOp fn, const ast::Model &model) {
  auto params = fn->getAttrOfType<ArrayAttr>(mlir::xf::XfDialect::getParamsAttrName());
  unsigned numInputs = fn.getNumArguments() - (params ? params.size() : 0);
  std::vector<ValueInfo> inputs;
  for (unsigned i = 0; i < numInputs; ++i) {
    std::string name = stringAttr(fn.getArgAttr(i, mlir::xf::XfDialect::getNameAttrName()));
    if (name.empty())
      name = "arg" + std::to_string(i);
    inputs.push_back(describe(
        name, cast<RankedTensorType>(fn.getArgumentTypes()[i]), model));
    if (fn.getArgAttr(i, mlir::xf::XfDialect::getStateAttrName())) {
      // Keys [batch, kv_heads, d, capacity], values [batch, kv_heads,
      // capacity, d]: the capacity is the dynamic dim after the batch.
      ValueInfo &v = inputs.back();
      v.state = true;
      v.dims.assign(v.type.getRank(), "");
      v.dims[0] = "batch";
      for (int64_t k = 1; k < v.type.getRank(); ++k)
        if (v.type.isDynamicDim(k))
          v.dims[k] = XF_DIM_CAPACITY;
    }
  }
  std::string outName = stringAttr(fn.getResultAttr(0, mlir::xf::XfDialect::getNameAttrName()));
  ValueInfo output =
      describe(outName.empty() ? "result" : outName,
               cast<RankedTensorType>(fn.getResultTypes()[0]), model);
  return {inputs, output};
}

bool isGenerationEntry(func::FuncOp fn) {
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    if (fn.getArgAttr(i, mlir::xf::XfDialect::getStateAttrName()))
      return true;
  return false;
}

std::string shapeComment(const ValueInfo &v) {
  std::string s = v.name + ": " +
                  (v.type.getElementType().isF32() ? "f32" : "int64") + " [";
  for (int64_t k = 0; k < v.type.getRank(); ++k)
    s += (k ? ", " : "") + (v.type.isDynamicDim(k)
                                ? v.dims[k]
                                : std::to_string(v.type.getDimSize(k)));
  return s + "]";
}

} // namespace

std::string
mlir::xf::buildManifest(ModuleOp module, const ast::Model &model,
                        StringRef target, StringRef cpu,
                        const std::vector<std::string> &cpuFeatures) {
  llvm::json::Array entries;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (!fn.isPublic())
      continue; // layer functions are internal
    auto [inputs, output] = entryValues(fn, model);
    llvm::json::Array inputValues, params;
    for (const ValueInfo &in : inputs)
      inputValues.push_back(jsonValue(in));
    auto names = fn->getAttrOfType<ArrayAttr>(mlir::xf::XfDialect::getParamsAttrName());
    auto transposed = fn->getAttrOfType<ArrayAttr>(
        mlir::xf::XfDialect::getTransposedParamsAttrName());
    for (unsigned p = 0; names && p < names.size(); ++p) {
      auto type =
          cast<RankedTensorType>(fn.getArgumentTypes()[inputs.size() + p]);
      Type element = type.getElementType();
      llvm::json::Object param{
          {XF_KEY_NAME, stringAttr(names[p])},
          {XF_KEY_SHAPE, jsonShape(type)},
          {XF_KEY_DTYPE, element.isBF16()         ? XF_DTYPE_BF16
                         : element.isInteger(8) ? XF_DTYPE_I8
                                                : XF_DTYPE_F32}};
      if (transposed && llvm::is_contained(transposed, names[p]))
        param[XF_KEY_LAYOUT] = XF_LAYOUT_TRANSPOSED;
      params.push_back(std::move(param));
    }
    entries.push_back(llvm::json::Object{
        {XF_KEY_NAME, fn.getName()},
        {XF_KEY_SYMBOL, (XF_SYM_ENTRY_PREFIX + fn.getName()).str()},
        {XF_KEY_INPUTS, std::move(inputValues)},
        {XF_KEY_OUTPUT, jsonValue(output)},
        {XF_KEY_PARAMS, std::move(params)}});
  }
  llvm::json::Object root{{XF_KEY_ABI_VERSION, XF_ABI_VERSION},
                          {XF_KEY_MODEL, model.name},
                          {XF_KEY_TARGET, target},
                          {XF_KEY_CPU, cpu},
                          {XF_KEY_CPU_FEATURES, llvm::json::Array(cpuFeatures)},
                          {XF_KEY_ENTRIES, std::move(entries)}};
  const ast::Stack *gen = model.generatingStack();
  bool hasStep = false;
  for (auto fn : module.getOps<func::FuncOp>())
    hasStep |= fn.getName() == XF_ENTRY_GENERATE_STEP;
  if (gen && hasStep)
    root[XF_KEY_GENERATION] = llvm::json::Object{
        {XF_KEY_INPUT, gen->input},
        {XF_KEY_MEMORY_IDS, gen->memoryIds},
        {XF_KEY_START, gen->generation->startId},
        {XF_KEY_END, gen->generation->endId},
        {XF_KEY_PAD, gen->padId},
        {XF_KEY_VOCAB, gen->vocab},
        {XF_KEY_MAX_LEN, gen->maxLen}};
  if (gen && hasStep)
    if (const std::vector<std::string> *spelled =
            model.findVocab(gen->vocabName))
      (*root.getObject(XF_KEY_GENERATION))[XF_KEY_TOKENS] =
          llvm::json::Array(*spelled);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::formatv("{0:1}", llvm::json::Value(std::move(root))) << "\n";
  return text;
}

std::string mlir::xf::buildHeader(ModuleOp module, const ast::Model &model) {
  std::string guard = "XF_MODEL_" + model.name + "_H";
  for (char &c : guard)
    c = std::isalnum(static_cast<unsigned char>(c))
            ? std::toupper(static_cast<unsigned char>(c))
            : '_';
  std::ostringstream os;
  os << "/* Generated by xfc for model '" << model.name
     << "'. Typed entry points over xf_model_run;\n"
     << " * load the model with xf_model_load(\"lib" << model.name
     << ".so\", weights, &model). */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"xf/runtime.h\"\n\n";
  // Token spellings from the description's `vocab` lines.
  for (const auto &[name, tokens] : model.vocabs) {
    os << "/* Spellings of the token ids of " << name << ". */\n"
       << "static const char *const " << model.name << "_" << name << "[] = {";
    for (size_t i = 0; i < tokens.size(); ++i) {
      os << (i ? ", " : "") << "\"";
      for (char c : tokens[i])
        os << (c == '"' || c == '\\' ? "\\" : "") << c;
      os << "\"";
    }
    os << "};\n#define " << llvm::StringRef(model.name).upper() << "_"
       << llvm::StringRef(name).upper() << "_SPELLED " << tokens.size()
       << "\n\n";
  }
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (!fn.isPublic() || isGenerationEntry(fn))
      continue; // generation entries run through xf_generation_*
    auto [inputs, output] = entryValues(fn, model);
    std::string name = fn.getName().str();
    os << "/* " << name << "(";
    for (size_t i = 0; i < inputs.size(); ++i)
      os << (i ? ", " : "") << shapeComment(inputs[i]);
    os << ") -> " << shapeComment(output) << " */\n";
    os << "static inline xf_status *" << model.name << "_" << name
       << "(const xf_model *model";
    for (const ValueInfo &in : inputs)
      os << ", const xf_tensor *" << in.name;
    os << ", xf_tensor *out_" << output.name << ") {\n  xf_tensor inputs["
       << std::max<size_t>(inputs.size(), 1) << "] = {";
    for (size_t i = 0; i < inputs.size(); ++i)
      os << (i ? ", " : "") << "*" << inputs[i].name;
    os << "};\n  return xf_model_run(model, \"" << name << "\", inputs, "
       << inputs.size() << ", out_" << output.name << ");\n}\n\n";
  }
  os << "#endif /* " << guard << " */\n";
  return os.str();
}
