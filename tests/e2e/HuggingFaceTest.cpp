//===- HuggingFaceTest.cpp - Checkpoints as Hugging Face stores them ------===//
//
// tests/data/hf/<family>/ holds a Hugging Face model directory (config.json,
// model.safetensors in the family's own names and layouts, random weights)
// and reference outputs from scripts/hf_reference.py, PyTorch written from
// transformers' modeling files. The directory is imported as it is (no
// conversion), then interpreted (≤ 1e-5) and compiled (≤ 1e-4) on every
// case: right and left padding with attention masks and position ids,
// length 1, odd lengths, BERT's segments A and B (and its pooler output),
// Marian's source and target masks. Errors are max |a - b| /
// max |ref| over the real tokens (a padded query's output is undefined).
//
//===----------------------------------------------------------------------===//

#include "TestSupport.h"
#include "frontend/HF/ImportHF.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Parser.h"
#include "frontend/Parse/Sema.h"
#include "mlir/IR/SymbolTable.h"

using namespace xf::test;

namespace {

const std::string kHf = kSource + "/tests/data/hf/";
const char *const kCases[] = {"right", "left", "one", "odd"};

/// The entry's inputs for `family`, in the imported description's order.
std::vector<std::string> inputNames(const std::string &family) {
  if (family == "bert")
    return {"input_ids", "attention_mask", "token_type_ids", "position_ids"};
  if (family == "marian")
    return {"input_ids", "attention_mask", "decoder_input_ids",
            "decoder_attention_mask"};
  return {"input_ids", "attention_mask", "position_ids"};
}

/// max |got - ref| / max |ref| over the rows [b, t] whose mask is 1.
double maskedError(const std::vector<float> &got, const Array &ref,
                   const Array &mask) {
  EXPECT_EQ(got.size(), ref.f.size());
  if (got.size() != ref.f.size())
    return INFINITY;
  const size_t width = ref.shape.back();
  double maxDiff = 0, maxRef = 0;
  for (size_t row = 0; row < mask.i.size(); ++row) {
    if (!mask.i[row])
      continue;
    for (size_t c = row * width; c < (row + 1) * width; ++c) {
      if (std::isnan(got[c]))
        return INFINITY;
      maxDiff = std::max(maxDiff, double(std::abs(got[c] - ref.f[c])));
      maxRef = std::max(maxRef, double(std::abs(ref.f[c])));
    }
  }
  return maxDiff / maxRef;
}

class HuggingFace : public ::testing::TestWithParam<std::string> {
protected:
  void runCompiled(const std::string &target);
  /// Which outputs are defined: the (decoder's) real tokens.
  Array valid(const std::string &c) const {
    return input(c, GetParam() == "marian" ? "decoder_attention_mask"
                                           : "attention_mask");
  }
  std::string dir() const { return kHf + GetParam(); }
  Array input(const std::string &c, const std::string &name) const {
    return loadNpy(dir() + "/" + c + "." + name + ".npy");
  }
};

TEST_P(HuggingFace, InterpreterMatchesReference) {
  std::string text, error;
  ASSERT_TRUE(xf::hf::importDirectory(dir(), text, error)) << error;
  xf::ast::Error astError;
  auto syntax = xf::parse::parseSyntax(text, "imported", astError);
  ASSERT_TRUE(syntax) << astError.format();
  auto model = xf::parse::buildModel(*syntax, {}, astError);
  ASSERT_TRUE(model) << astError.format() << "\n" << text;
  mlir::MLIRContext context;
  auto module = xf::mlirGen(context, *model);
  ASSERT_TRUE(module);
  auto file =
      xf::rt::SafetensorsFile::open(dir() + "/model.safetensors", error);
  ASSERT_TRUE(file) << error;
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "forward"));
  ASSERT_TRUE(fn);
  for (const char *c : kCases) {
    std::vector<HostTensor> inputs;
    for (const std::string &name : inputNames(GetParam())) {
      Array a = input(c, name);
      HostTensor t;
      t.kind = ElementKind::I64;
      t.shape = a.shape;
      t.i = a.i;
      inputs.push_back(std::move(t));
    }
    std::vector<HostTensor> results;
    ASSERT_TRUE(interpret(fn, inputs, weightsOf(*file), results, error))
        << c << ": " << error;
    double err = maskedError(results[0].f, input(c, "expected"), valid(c));
    EXPECT_LE(err, 1e-5) << GetParam() << " " << c;
    if (GetParam() != "bert")
      continue;
    // BertModel's pooler_output: every row's first token, padded or not.
    auto pool = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
        *module, mlir::StringAttr::get(&context, "pool"));
    ASSERT_TRUE(pool);
    results.clear();
    ASSERT_TRUE(interpret(pool, inputs, weightsOf(*file), results, error))
        << c << ": " << error;
    EXPECT_LE(relativeError(results[0].f, input(c, "pooled").f), 1e-5) << c;
  }
}

/// Runs every case on the library compiled for `target`; ≤ 1e-4.
void HuggingFace::runCompiled(const std::string &target) {
  std::string library = compileModel(dir(), {}, "hf-" + GetParam(), target);
  Model m(library + "/lib" + GetParam() + ".so", dir() + "/model.safetensors");
  SKIP_WITHOUT_DEVICE(m);
  ASSERT_TRUE(m.model);
  for (const char *c : kCases) {
    std::vector<Array> inputs;
    for (const std::string &name : inputNames(GetParam()))
      inputs.push_back(input(c, name));
    std::vector<Array *> pointers;
    for (Array &a : inputs)
      pointers.push_back(&a);
    Array out = run(m, "forward", pointers);
    double err = maskedError(out.f, input(c, "expected"), valid(c));
    EXPECT_LE(err, 1e-4) << target << " " << GetParam() << " " << c;
    if (GetParam() == "bert")
      EXPECT_LE(relativeError(run(m, "pool", pointers).f,
                              input(c, "pooled").f),
                1e-4)
          << target << " " << c;
  }
  if (target != "cpu")
    return;
  // Only GPT-2's Conv1D weights ([in, out]) are copied, packed at load:
  // per layer c_attn [32, 96], c_proj [32, 32], c_fc [32, 128] and
  // mlp.c_proj [128, 32]. Everything else is used as stored.
  EXPECT_EQ(xf_model_copied_weight_bytes(m.model),
            GetParam() == "gpt2" ? 2u * (32 * 96 + 32 * 32 + 2 * 32 * 128) * 4
                                 : 0u);
}

TEST_P(HuggingFace, CompiledMatchesReference) { runCompiled("cpu"); }

// The Vulkan library (lavapipe in CI): the fused qkv slices, masks, the
// pooler and cross-attention on the GPU path.
TEST_P(HuggingFace, VulkanMatchesReference) { runCompiled("vulkan"); }

INSTANTIATE_TEST_SUITE_P(Families, HuggingFace,
                         ::testing::Values("gpt2", "llama", "bert", "marian"));

} // namespace
