//===- InterpreterVsPyTorchTest.cpp - The oracle against PyTorch ----------===//
//
// Runs examples/seed_transformer.xf (small hyperparameters from the reference
// config) through the frontend and the interpreter on the inputs PyTorch saw,
// for every entry point, and compares: max|a-b| / max|ref| <= 1e-5.
//
//===----------------------------------------------------------------------===//

#include "dialect/Interpreter/Interpreter.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Sema.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"
#include <cmath>
#include <fstream>
#include <gtest/gtest.h>
#include <regex>
#include <sstream>

using namespace mlir::xf;

namespace {

const std::string kData =
    std::string(XF_SOURCE_DIR) + "/tests/data/seed_small/";
constexpr double kTolerance = 1e-5;

/// The `--set` overrides recorded in config.json.
std::vector<xf::parse::Override> referenceOverrides() {
  std::ifstream in(kData + "config.json");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<xf::parse::Override> out;
  std::regex item("\"(\\w+)=(\\w+)\"");
  for (std::sregex_iterator it(text.begin(), text.end(), item), end; it != end;
       ++it)
    out.push_back({(*it)[1].str(), (*it)[2].str()});
  return out;
}

HostTensor load(const std::string &file) {
  xf::rt::NpyArray a;
  std::string error;
  EXPECT_TRUE(xf::rt::readNpy(kData + file, a, error)) << error;
  HostTensor t;
  t.shape = a.shape;
  t.kind = a.isFloat ? ElementKind::F32 : ElementKind::I64;
  t.f = a.f;
  t.i = a.i;
  return t;
}

double relativeError(const HostTensor &got, const HostTensor &ref) {
  EXPECT_EQ(got.shape, ref.shape);
  if (got.shape != ref.shape)
    return INFINITY;
  double maxDiff = 0, maxRef = 0;
  for (size_t k = 0; k < ref.f.size(); ++k) {
    maxDiff = std::max(maxDiff, double(std::abs(got.f[k] - ref.f[k])));
    maxRef = std::max(maxRef, double(std::abs(ref.f[k])));
  }
  return maxDiff / (maxRef + 1e-6);
}

class SeedVsPyTorch : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    xf::ast::Error error;
    auto model = xf::parse::loadModel(std::string(XF_SOURCE_DIR) +
                                          "/examples/seed_transformer.xf",
                                      referenceOverrides(), error);
    ASSERT_TRUE(model) << error.format();
    module = xf::mlirGen(context, *model);
    ASSERT_TRUE(module);
    std::string why;
    weights = xf::rt::SafetensorsFile::open(kData + "weights.safetensors", why);
    ASSERT_TRUE(weights) << why;
    params = [this](const std::string &name, const std::vector<int64_t> &shape,
                    std::string &why) -> std::optional<HostTensor> {
      HostTensor t;
      t.shape = shape;
      if (!weights->readF32(name, shape, t.f, why))
        return std::nullopt;
      return t;
    };
  }

  HostTensor run(const std::string &entry, std::vector<HostTensor> inputs) {
    auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
        *module, mlir::StringAttr::get(&context, entry));
    EXPECT_TRUE(fn);
    std::vector<HostTensor> results;
    std::string error;
    EXPECT_TRUE(interpret(fn, inputs, params, results, error)) << error;
    return results.empty() ? HostTensor() : results[0];
  }

  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::unique_ptr<xf::rt::SafetensorsFile> weights;
  ParamProvider params;
};

TEST_P(SeedVsPyTorch, ForwardMatchesLogits) {
  const std::string c = GetParam();
  HostTensor logits =
      run("forward", {load(c + "_src.npy"), load(c + "_tgt.npy")});
  EXPECT_LE(relativeError(logits, load(c + "_logits.npy")), kTolerance);
}

TEST_P(SeedVsPyTorch, EncodeThenDecodeMatches) {
  const std::string c = GetParam();
  HostTensor src = load(c + "_src.npy");
  HostTensor memory = run("encode", {src});
  EXPECT_LE(relativeError(memory, load(c + "_memory.npy")), kTolerance);
  HostTensor logits = run("decode", {load(c + "_tgt.npy"), memory, src});
  EXPECT_LE(relativeError(logits, load(c + "_logits.npy")), kTolerance);
}

// padded: padding in source and target; length1: S = T = 1; allpad: a fully
// padded source row (its attention rows are uniform, not NaN).
INSTANTIATE_TEST_SUITE_P(Cases, SeedVsPyTorch,
                         ::testing::Values("padded", "length1", "allpad"));

TEST_F(SeedVsPyTorch, MissingWeightIsNamed) {
  params = [](const std::string &name, const std::vector<int64_t> &,
              std::string &why) -> std::optional<HostTensor> {
    why = "missing tensor '" + name + "'";
    return std::nullopt;
  };
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "encode"));
  std::vector<HostTensor> results;
  std::string error;
  EXPECT_FALSE(interpret(fn, {load("padded_src.npy")}, params, results, error));
  EXPECT_NE(error.find("missing tensor 'encoder."), std::string::npos) << error;
}

TEST_F(SeedVsPyTorch, TokenOutOfRangeIsAnError) {
  HostTensor src = load("padded_src.npy");
  src.i[3] = 6; // src_vocab is 6
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "encode"));
  std::vector<HostTensor> results;
  std::string error;
  EXPECT_FALSE(interpret(fn, {src}, params, results, error));
  EXPECT_NE(error.find("id 6 at flat position 3 is outside the 6 rows of the "
                       "table of 'encoder.src_emb.weight'"),
            std::string::npos)
      << error;
}

} // namespace
