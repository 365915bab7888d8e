//===- xf-run.cpp - Runs a model on .npy inputs ---------------------------===//
//
// `xf-run OUT/ --weights W.safetensors [--entry forward] [--threads N]
//  [--device N]
//  --input NAME=@file.npy ... --output NAME=@file.npy` runs an entry point of
// a library compiled by xfc through the runtime C API; with `--generate N
// [--start ID] [--end ID|none]` it generates greedily through a generation
// state from the source or prompt given as its --input (or samples, with
// `--temperature T [--top-k K] [--top-p P] [--seed S]`);
// `xf-run MODEL.xf [--set KEY=VALUE]... --interpret ...` runs the description
// with the xf interpreter instead, and `xf-run MODEL.mlir --interpret ...`
// xf IR (a function per entry, inputs and output named by `xf.name`).
// Inputs are checked against the model (rank, dtype, static sizes; for a
// description also token ids below the vocabulary, lengths up to max_len,
// one batch size) before anything runs. Exit status: 0 success, 1 a user error
// (one `error:` line), 2 an internal failure.
//
//===----------------------------------------------------------------------===//

#include "compiler/ParseIR.h"
#include "compiler/RegisterXf.h"
#include "dialect/Interpreter/Interpreter.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Sema.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "runtime/io/Json.h"
#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"
#include "tools/Flags.h"
#include "tools/RunTools.h"
#include "xf/runtime.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <cerrno>
#include <map>
#include <set>

namespace cl = llvm::cl;
using namespace xf;

/// The flags --help lists (LLVM's own options stay hidden).
static cl::OptionCategory category("xf-run options");

static cl::opt<std::string>
    modelPath(cl::Positional, cl::cat(category),
              cl::desc("<OUT/ | model.xf | model.mlir>"), cl::Required);
static cl::list<std::string> sets("set", cl::cat(category),
                                  cl::desc("--set KEY=VALUE"),
                                  cl::value_desc("KEY=VALUE"));
static cl::opt<bool>
    interpretFlag("interpret", cl::cat(category),
                  cl::desc("Run the xf interpreter on the description or IR"));
static cl::opt<std::string> weightsPath("weights", cl::cat(category),
                                        cl::desc("Weights (.safetensors)"),
                                        cl::value_desc("FILE"), cl::Required);
static cl::opt<std::string> entryName("entry", cl::cat(category),
                                      cl::desc("Entry point"),
                                      cl::init("forward"));
static cl::opt<int> deviceIndex(
    "device", cl::cat(category),
    cl::desc("GPU libraries: CUDA device ordinal or Vulkan device index"),
    cl::init(0));
static cl::list<std::string> inputArgs("input", cl::cat(category),
                                       cl::desc("NAME=@file.npy"),
                                       cl::value_desc("NAME=@FILE"));
static cl::opt<int64_t> generateCount(
    "generate", cl::cat(category),
    cl::desc("Generate N tokens greedily over the key/value cache (a "
             "description with a `generate` section)"),
    cl::value_desc("N"), cl::init(0));
static cl::opt<std::string>
    startToken("start", cl::cat(category),
               cl::desc("--generate: the first token's id (default: the "
                        "description's start)"),
               cl::value_desc("ID"));
static cl::opt<std::string>
    endToken("end", cl::cat(category),
             cl::desc("--generate: the id that ends a row, or none (default: "
                      "the description's end)"),
             cl::value_desc("ID|none"));
static cl::opt<float> temperature(
    "temperature", cl::cat(category),
    cl::desc("--generate: sample each token from softmax(logits / T) "
             "instead of taking the most likely"),
    cl::value_desc("T"), cl::init(1.0f));
static cl::opt<int64_t>
    topK("top-k", cl::cat(category),
         cl::desc("--generate, sampling: from the K most likely tokens only "
                  "(default 0: all)"),
         cl::value_desc("K"), cl::init(0));
static cl::opt<float>
    topP("top-p", cl::cat(category),
         cl::desc("--generate, sampling: from the fewest most likely tokens "
                  "whose probabilities reach P (default 1: all)"),
         cl::value_desc("P"), cl::init(1.0f));
static cl::opt<uint64_t>
    seed("seed", cl::cat(category),
         cl::desc("--generate, sampling: the generator's seed (default 0)"),
         cl::value_desc("S"), cl::init(0));
static cl::list<std::string> outputArgs("output", cl::cat(category),
                                        cl::desc("NAME=@file.npy"),
                                        cl::value_desc("NAME=@FILE"));

namespace {
int userError(const std::string &message) {
  llvm::errs() << "xf-run: error: " << message << "\n";
  return 1;
}

/// Splits `NAME=@PATH`.
bool splitBinding(const std::string &s, std::string &name, std::string &path) {
  size_t eq = s.find("=@");
  if (eq == std::string::npos || eq == 0 || eq + 2 == s.size())
    return false;
  name = s.substr(0, eq);
  path = s.substr(eq + 2);
  return true;
}

/// Reads the --input files of `entry`, whose inputs are `names`, into
/// `arrays` by name; false with `error` set on a malformed binding, an
/// unknown or repeated name or an unreadable file.
bool readInputs(const std::string &entry, const std::vector<std::string> &names,
                std::map<std::string, rt::NpyArray> &arrays,
                std::string &error) {
  error.clear();
  for (const std::string &arg : inputArgs) {
    std::string name, path;
    if (!splitBinding(arg, name, path))
      error = "--input expects NAME=@FILE, found '" + arg + "'";
    else if (std::find(names.begin(), names.end(), name) == names.end())
      error = "entry '" + entry + "' has no input '" + name + "'";
    else if (arrays.count(name))
      error = "input '" + name + "' is given twice";
    else if (rt::NpyArray a; rt::readNpy(path, a, error))
      arrays[name] = std::move(a);
    if (!error.empty())
      return false;
  }
  return true;
}

/// The file of the --output binding of `entry`, whose output is `output`
/// (empty without one); false with `error` set on a malformed binding, two
/// bindings or another name.
bool outputFile(const std::string &entry, const std::string &output,
                std::string &path, std::string &error) {
  path.clear();
  std::string name;
  if (outputArgs.size() > 1)
    error = "entry '" + entry + "' has one output, '" + output + "'";
  else if (outputArgs.size() == 1 && !splitBinding(outputArgs[0], name, path))
    error = "--output expects NAME=@FILE, found '" + outputArgs[0] + "'";
  else if (outputArgs.size() == 1 && name != output)
    error =
        "entry '" + entry + "' outputs '" + output + "', not '" + name + "'";
  else
    return true;
  return false;
}

/// Checks a token-id input against every stack that reads it.
bool checkIds(const ast::Model &model, const std::string &name,
              const rt::NpyArray &a, std::string &error) {
  if (a.isFloat || a.shape.size() != 2) {
    error = "input '" + name +
            "' must be int64 token ids [batch, length], "
            "found " +
            std::string(a.isFloat ? "float" : "integer") + " array of shape " +
            rt::formatDims(a.shape);
    return false;
  }
  for (size_t d = 0; d < 2; ++d)
    if (a.shape[d] < 1) {
      error = "input '" + name + "': dim " + std::to_string(d) +
              (d ? " (length)" : " (batch)") + " is " +
              std::to_string(a.shape[d]) + ", expected at least 1";
      return false;
    }
  for (const ast::Stack &s : model.stacks) {
    bool asInput = s.input == name, asMemoryIds = s.memoryIds == name;
    if (!asInput && !asMemoryIds)
      continue;
    if (asInput && s.maxLen > 0 && a.shape[1] > s.maxLen) {
      error = "input '" + name + "' has length " + std::to_string(a.shape[1]) +
              ", more than max_len = " + std::to_string(s.maxLen);
      return false;
    }
    // Memory ids index the source vocabulary: check against the stack that
    // reads them as input.
    if (!asInput)
      continue;
    for (size_t k = 0; k < a.i.size(); ++k)
      if (a.i[k] < 0 || a.i[k] >= s.vocab) {
        int64_t row = k / a.shape[1], col = k % a.shape[1];
        error = "input '" + name + "': token id " + std::to_string(a.i[k]) +
                " at [" + std::to_string(row) + ", " + std::to_string(col) +
                "] is outside the vocabulary of stack '" + s.name + "' (0.." +
                std::to_string(s.vocab - 1) + ")";
        return false;
      }
  }
  return true;
}
/// Runs a compiled library from `dir` through the runtime C API.
/// A token-id flag's value: an integer id, or -1 for `none` where allowed.
bool parseTokenFlag(const std::string &flag, const std::string &text,
                    bool allowNone, int64_t &out, std::string &error) {
  if (allowNone && text == "none") {
    out = -1;
    return true;
  }
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || errno || v < 0) {
    error = "--" + flag + " expects a token id" +
            (allowNone ? std::string(" or none") : std::string()) +
            ", found '" + text + "'";
    return false;
  }
  out = v;
  return true;
}

/// Whether a sampling flag was given (then --generate samples).
bool sampling() {
  return temperature.getNumOccurrences() || topK.getNumOccurrences() ||
         topP.getNumOccurrences() || seed.getNumOccurrences();
}

/// --generate N: greedy (or sampled) generation through a generation
/// state. The input is the source (models with memory) or the prompt; the
/// output the new ids, int64 [batch, N], rows that ended padded with the
/// pad id.
int runGeneration(xf_model *model) {
  if (generateCount < 1)
    return userError("--generate expects a positive number of tokens");
  if (entryName.getNumOccurrences())
    return userError("--generate runs the generation entries; drop --entry");
  int64_t start, end, pad;
  if (xf_status *s = xf_model_generation_tokens(model, &start, &end, &pad)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  std::string error;
  if (!startToken.empty() &&
      !parseTokenFlag("start", startToken, false, start, error))
    return userError(error);
  if (!endToken.empty() && !parseTokenFlag("end", endToken, true, end, error))
    return userError(error);
  // The manifest names the input and spells the vocabulary.
  std::string manifestText = xf_model_manifest(model);
  rt::Json manifest;
  if (!rt::parseJson(manifestText.data(),
                     manifestText.data() + manifestText.size(), manifest,
                     error))
    return userError("the library's manifest: " + error);
  const rt::Json *genSpec = manifest.get(XF_KEY_GENERATION);
  const rt::Json *memoryIds = genSpec ? genSpec->get(XF_KEY_MEMORY_IDS) : nullptr;
  const rt::Json *promptName = genSpec ? genSpec->get(XF_KEY_INPUT) : nullptr;
  if (!memoryIds || !promptName)
    return userError("the library's manifest has no generation section");
  bool hasSource = !memoryIds->string.empty();
  std::string inputName = hasSource ? memoryIds->string : promptName->string;
  std::map<std::string, rt::NpyArray> arrays;
  if (!readInputs("generation", {inputName}, arrays, error))
    return userError(error);
  auto it = arrays.find(inputName);
  if (it == arrays.end())
    return userError("missing --input " + inputName + "=@FILE (the " +
                     (hasSource ? "source" : "prompt") + ")");
  rt::NpyArray &in = it->second;
  if (in.isFloat || in.shape.size() != 2 || in.shape[0] < 1 || in.shape[1] < 1)
    return userError("input '" + inputName +
                     "' must be int64 token ids [batch, length], found " +
                     std::string(in.isFloat ? "float" : "integer") +
                     " array of shape " + rt::formatDims(in.shape));
  std::string outPath;
  if (!outputFile("generation", "ids", outPath, error))
    return userError(error);
  const int64_t batch = in.shape[0], length = in.shape[1];
  // Room for the source (cross-attention) and for the start token and N-1
  // generated ones, or for the prompt and N-1 generated ones.
  int64_t capacity = hasSource ? std::max<int64_t>(length, generateCount)
                               : length + generateCount - 1;
  xf_generation *state = nullptr;
  if (xf_status *s = xf_generation_create(model, batch, capacity, &state)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  std::unique_ptr<xf_generation, void (*)(xf_generation *)> owner(
      state, xf_generation_free);
  xf_tensor t{};
  t.dtype = XF_I64;
  t.rank = 2;
  t.shape[0] = batch;
  t.shape[1] = length;
  t.data = in.i.data();
  xf_tensor out{};
  xf_status *s = hasSource ? xf_generation_encode(state, &t) : nullptr;
  const xf_tensor *prompt = hasSource ? nullptr : &t;
  xf_sampling how{temperature, topK, topP, seed};
  if (!s)
    s = sampling() ? xf_generation_sample(state, prompt, nullptr, start, end,
                                          pad, generateCount, &how, &out)
                   : xf_generation_greedy(state, prompt, nullptr, start, end,
                                          pad, generateCount, &out);
  if (s) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  rt::NpyArray ids;
  ids.isFloat = false;
  ids.shape = {batch, int64_t(generateCount)};
  ids.i.assign(static_cast<int64_t *>(out.data),
               static_cast<int64_t *>(out.data) + batch * generateCount);
  std::free(out.data);
  if (!outPath.empty()) {
    if (!rt::writeNpy(outPath, ids, error))
      return userError(error);
    return 0;
  }
  const rt::Json *tokens = genSpec->get(XF_KEY_TOKENS);
  for (int64_t b = 0; b < batch; ++b) {
    std::string line, words;
    for (int64_t n = 0; n < generateCount; ++n) {
      int64_t id = ids.i[b * generateCount + n];
      line += (n ? " " : "") + std::to_string(id);
      if (tokens && id >= 0 && size_t(id) < tokens->array.size())
        words += (n ? " " : "") + tokens->array[id].string;
    }
    llvm::outs() << line << (words.empty() ? "" : "\t" + words) << "\n";
  }
  return 0;
}

int runCompiled(const std::string &dir, int threads) {
  std::string library = xf::tools::findLibrary(dir);
  if (library.empty())
    return userError("no lib<model>.so in '" + dir + "' (compile with xfc -o " +
                     dir + ")");
  if (!sets.empty())
    return userError("--set applies when compiling; recompile with xfc");
  xf_model *model = nullptr;
  if (xf_status *s = xf_model_load_on_device(
          library.c_str(), weightsPath.c_str(), deviceIndex, &model)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  std::unique_ptr<xf_model, void (*)(xf_model *)> owner(model, xf_model_free);
  if (xf_status *s = xf_model_set_threads(model, threads)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }

  if (generateCount.getNumOccurrences())
    return runGeneration(model);
  if (sampling())
    return userError("--temperature, --top-k, --top-p and --seed sample "
                     "tokens: they need --generate");

  std::string error;
  const char *const *inputNames = nullptr;
  size_t numInputs = 0;
  if (xf_status *s = xf_model_entry_inputs(model, entryName.c_str(),
                                           &inputNames, &numInputs)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  std::vector<std::string> names(inputNames, inputNames + numInputs);
  std::map<std::string, rt::NpyArray> arrays;
  if (!readInputs(entryName, names, arrays, error))
    return userError(error);
  std::vector<xf_tensor> tensors;
  for (const std::string &name : names) {
    auto it = arrays.find(name);
    if (it == arrays.end())
      return userError("missing --input " + name + "=@FILE for entry '" +
                       entryName + "'");
    rt::NpyArray &a = it->second;
    if (a.shape.size() > XF_MAX_RANK)
      return userError("input '" + name + "' has rank " +
                       std::to_string(a.shape.size()));
    xf_tensor t{};
    t.dtype = a.isFloat ? XF_F32 : XF_I64;
    t.rank = static_cast<int32_t>(a.shape.size());
    std::copy(a.shape.begin(), a.shape.end(), t.shape);
    t.data = a.isFloat ? static_cast<void *>(a.f.data()) : a.i.data();
    tensors.push_back(t);
  }
  xf_tensor out{};
  if (xf_status *s = xf_model_run(model, entryName.c_str(), tensors.data(),
                                  tensors.size(), &out)) {
    std::string message = xf_status_message(s);
    xf_status_free(s);
    return userError(message);
  }
  std::string unused = xf_model_unused_weights(model);
  if (!unused.empty()) {
    std::replace(unused.begin(), unused.end(), '\n', ' ');
    llvm::errs() << "xf-run: note: tensors in " << weightsPath
                 << " not used by the model: " << unused << "\n";
  }
  int status = 0;
  if (!outputArgs.empty()) {
    std::string name, path;
    if (!splitBinding(outputArgs[0], name, path))
      status = userError("--output expects NAME=@FILE");
    else {
      rt::NpyArray result;
      result.isFloat = out.dtype == XF_F32;
      result.shape.assign(out.shape, out.shape + out.rank);
      int64_t n = 1;
      for (int64_t d : result.shape)
        n *= d;
      if (result.isFloat)
        result.f.assign(static_cast<float *>(out.data),
                        static_cast<float *>(out.data) + n);
      else
        result.i.assign(static_cast<int64_t *>(out.data),
                        static_cast<int64_t *>(out.data) + n);
      if (!rt::writeNpy(path, result, error))
        status = userError(error);
    }
  }
  std::free(out.data);
  return status;
}

/// Runs `fn` (the entry `entry`) in the interpreter on `args`, parameters
/// read from --weights; notes the tensors it did not use and writes the
/// output to `outPath` if given.
int interpretFunction(mlir::func::FuncOp fn,
                      std::vector<mlir::xf::HostTensor> args,
                      const std::string &entry, const std::string &outPath) {
  std::string error;
  std::unique_ptr<rt::SafetensorsFile> weights =
      rt::SafetensorsFile::open(weightsPath, error);
  if (!weights)
    return userError(error);
  std::set<std::string> used;
  mlir::xf::ParamProvider provider =
      [&](const std::string &name, const std::vector<int64_t> &shape,
          std::string &why) -> std::optional<mlir::xf::HostTensor> {
    mlir::xf::HostTensor t;
    t.shape = shape;
    if (!weights->readF32(name, shape, t.f, why))
      return std::nullopt;
    used.insert(name);
    return t;
  };
  std::vector<mlir::xf::HostTensor> results;
  if (!mlir::xf::interpret(fn, args, provider, results, error))
    return userError(error);

  // Extra tensors are worth knowing about, not fatal.
  std::vector<std::string> unused;
  for (const rt::TensorEntry &e : weights->tensors())
    if (!used.count(e.name))
      unused.push_back(e.name);
  if (!unused.empty()) {
    llvm::errs() << "xf-run: note: " << unused.size() << " tensor"
                 << (unused.size() > 1 ? "s" : "") << " in " << weightsPath
                 << " not used by '" << entry << "':";
    for (size_t k = 0; k < unused.size() && k < 4; ++k)
      llvm::errs() << " " << unused[k];
    llvm::errs() << (unused.size() > 4 ? " ..." : "") << "\n";
  }

  if (!outPath.empty()) {
    rt::NpyArray out;
    out.isFloat = results[0].isFloat();
    out.shape = results[0].shape;
    out.f = std::move(results[0].f);
    out.i = std::move(results[0].i);
    if (!rt::writeNpy(outPath, out, error))
      return userError(error);
  }
  return 0;
}

/// --interpret on a description (.xf): its entry points, inputs checked
/// against the model (token ids, lengths, one batch size).
int interpretDescription() {
  std::vector<parse::Override> overrides;
  for (const std::string &s : sets) {
    parse::Override o;
    if (!parse::parseOverride(s, o))
      return userError("--set expects KEY=VALUE, found '" + s + "'");
    overrides.push_back(o);
  }
  ast::Error astError;
  std::optional<ast::Model> model =
      parse::loadModel(modelPath, overrides, astError);
  if (!model) {
    llvm::errs() << astError.format() << "\n";
    return 1;
  }
  const ast::EntryPoint *entry = model->findEntry(entryName);
  if (!entry) {
    std::string known;
    for (const ast::EntryPoint &e : model->entries)
      known += (known.empty() ? "" : ", ") + e.name;
    return userError("unknown entry point '" + entryName + "' (the model has " +
                     known + ")");
  }

  // Bind inputs by name.
  std::map<std::string, rt::NpyArray> inputs;
  if (std::string error; !readInputs(entry->name, entry->inputs, inputs, error))
    return userError(error);
  std::string outPath;
  if (std::string error;
      !outputFile(entry->name, entry->output, outPath, error))
    return userError(error);

  mlir::MLIRContext context;
  xf::ast::Error genError;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlirGen(context, *model, &genError);
  if (!module && !genError.message.empty()) {
    llvm::errs() << genError.format() << "\n";
    return 1;
  }
  if (!module) {
    llvm::errs() << "xf-run: internal error: generated IR does not verify\n";
    return 2;
  }
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, entry->name));

  std::vector<mlir::xf::HostTensor> args;
  int64_t batch = -1;
  for (auto [i, name] : llvm::enumerate(entry->inputs)) {
    auto it = inputs.find(name);
    if (it == inputs.end())
      return userError("missing --input " + name + "=@FILE for entry '" +
                       entry->name + "'");
    rt::NpyArray &a = it->second;
    auto type = llvm::cast<mlir::RankedTensorType>(fn.getArgumentTypes()[i]);
    mlir::xf::HostTensor t;
    t.shape = a.shape;
    std::string error;
    if (type.getElementType().isInteger(64)) {
      if (!checkIds(*model, name, a, error))
        return userError(error);
      t.kind = mlir::xf::ElementKind::I64;
      t.i = std::move(a.i);
    } else {
      int64_t width = type.getShape().back();
      if (!a.isFloat || a.shape.size() != 3 || a.shape[2] != width)
        return userError("input '" + name + "' must be float32 [batch, " +
                         "length, " + std::to_string(width) + "], found " +
                         rt::formatDims(a.shape));
      t.kind = mlir::xf::ElementKind::F32;
      t.f = std::move(a.f);
    }
    if (batch >= 0 && t.shape[0] != batch)
      return userError("input '" + name + "' has batch " +
                       std::to_string(t.shape[0]) +
                       " but an earlier input "
                       "has batch " +
                       std::to_string(batch));
    batch = t.shape[0];
    args.push_back(std::move(t));
  }

  return interpretFunction(fn, std::move(args), entry->name, outPath);
}

/// --interpret on xf IR (.mlir): the entry is the module's function of that
/// name; its inputs and output are named by their `xf.name` attributes and
/// checked for dtype, rank and static sizes.
int interpretModule() {
  if (!sets.empty())
    return userError("--set needs a .xf description");
  mlir::DialectRegistry registry;
  mlir::xf::registerXfDialects(registry);
  mlir::MLIRContext context(registry);
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::xf::parseXfFile(modelPath, context, "xf-run", error);
  if (!module) {
    llvm::errs() << error << "\n";
    return 1;
  }
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, entryName));
  if (!fn || fn.isExternal())
    return userError("no function '" + entryName + "' in " + modelPath);
  auto nameOf = [](mlir::DictionaryAttr attrs, const std::string &fallback) {
    auto name =
        attrs ? attrs.getAs<mlir::StringAttr>("xf.name") : mlir::StringAttr();
    return name ? name.str() : fallback;
  };
  std::vector<std::string> names;
  for (unsigned i = 0; i < fn.getNumArguments(); ++i)
    names.push_back(nameOf(fn.getArgAttrDict(i), "arg" + std::to_string(i)));
  if (fn.getNumResults() != 1)
    return userError("function '" + entryName + "' has " +
                     std::to_string(fn.getNumResults()) +
                     " results; xf-run writes one");
  std::string output = nameOf(fn.getResultAttrDict(0), "result");

  std::map<std::string, rt::NpyArray> arrays;
  if (!readInputs(entryName, names, arrays, error))
    return userError(error);
  std::vector<mlir::xf::HostTensor> args;
  for (auto [i, name] : llvm::enumerate(names)) {
    auto it = arrays.find(name);
    if (it == arrays.end())
      return userError("missing --input " + name + "=@FILE for entry '" +
                       entryName + "'");
    rt::NpyArray &a = it->second;
    auto type = llvm::cast<mlir::RankedTensorType>(fn.getArgumentTypes()[i]);
    bool wantFloat = type.getElementType().isF32();
    bool fits =
        a.isFloat == wantFloat && a.shape.size() == size_t(type.getRank());
    for (size_t d = 0; fits && d < a.shape.size(); ++d) {
      if (a.shape[d] < 1)
        return userError("input '" + name + "': dim " + std::to_string(d) +
                         " is " + std::to_string(a.shape[d]) +
                         ", expected at least 1");
      fits = type.isDynamicDim(d) || type.getDimSize(d) == a.shape[d];
    }
    if (!fits) {
      std::string want = wantFloat ? "f32 [" : "int64 [";
      for (int64_t d = 0; d < type.getRank(); ++d)
        want += (d ? ", " : "") + (type.isDynamicDim(d)
                                       ? std::string("?")
                                       : std::to_string(type.getDimSize(d)));
      return userError("input '" + name + "': expected " + want + "], found " +
                       (a.isFloat ? "f32 " : "int64 ") +
                       rt::formatDims(a.shape));
    }
    mlir::xf::HostTensor t;
    t.shape = a.shape;
    t.kind =
        wantFloat ? mlir::xf::ElementKind::F32 : mlir::xf::ElementKind::I64;
    t.f = std::move(a.f);
    t.i = std::move(a.i);
    args.push_back(std::move(t));
  }
  std::string outPath;
  if (!outputFile(entryName, output, outPath, error))
    return userError(error);
  return interpretFunction(fn, std::move(args), entryName, outPath);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::string flagError;
  int threads = xf::tools::takeThreadsFlag(argc, argv, flagError);
  if (threads < 0)
    return userError(flagError);
  if (!xf::tools::parseFlags(argc, argv, category,
                             "xf-run: run a model\n\n"
                             "  --threads=<N> worker threads of a "
                             "compiled model (default: all cores)\n"))
    return 1;
  if (llvm::sys::fs::is_directory(modelPath)) {
    if (interpretFlag)
      return userError("--interpret takes a description (.xf) or xf IR "
                       "(.mlir), not a compiled directory");
    return runCompiled(modelPath, threads);
  }
  if (!interpretFlag)
    return userError("'" + modelPath +
                     "' is not a compiled directory; pass "
                     "--interpret to run a description with the interpreter");
  return llvm::StringRef(modelPath).ends_with(".mlir") ? interpretModule()
                                                       : interpretDescription();
}
