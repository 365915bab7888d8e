//===- CompiledVsReferenceTest.cpp - Compiled libraries against oracles ---===//
//
// Compiles descriptions with the Driver (as xfc does), loads the library
// through the runtime C API and compares its outputs with PyTorch reference
// data (seed model) and with the interpreter (random small models of the
// three example families and shapes with padding, length 1 and odd lengths),
// for the CPU target and for Vulkan; attention alone (the flash kernel, both
// K layouts) at lengths around its blocks against the interpreter; linear
// layers alone (the matmul kernel) at odd shapes against a plain loop, (run on
// whatever Vulkan device the machine has: Mesa's lavapipe in CI; skipped,
// saying why, without one). The same with the Halide kernels
// (--kernels=halide, target "halide"), and norms alone against the
// interpreter. Tolerance: max|a-b| / (max|ref| + 1e-6) <= 1e-4.
//
//===----------------------------------------------------------------------===//

#include "compiler/Driver.h"
#include "compiler/RegisterXf.h"
#include "dialect/IR/XfOps.h"
#include "dialect/Interpreter/Interpreter.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "runtime/io/Npy.h"
#include "runtime/io/Safetensors.h"
#include "xf/runtime.h"
#include "llvm/Support/JSON.h"
#include <cmath>
#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "tests/e2e/TestSupport.h"

using namespace mlir::xf;
using namespace xf::test;

namespace {

//===----------------------------------------------------------------------===//
// The seed model against PyTorch.
//===----------------------------------------------------------------------===//

class SeedCompiled : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    dir = new std::string(compileModel(
        kSource + "/examples/seed_transformer.xf", kSeedSmall, "seed"));
  }
  static void TearDownTestSuite() { delete dir; }
  static std::string *dir;
};
std::string *SeedCompiled::dir = nullptr;

TEST_F(SeedCompiled, MatchesPyTorchOnEveryCase) {
  Model m(*dir + "/libseed_transformer.so", kData + "weights.safetensors");
  ASSERT_TRUE(m.model);
  for (const char *c : {"padded", "length1", "allpad"}) {
    SCOPED_TRACE(c);
    Array src = loadNpy(kData + c + "_src.npy"),
          tgt = loadNpy(kData + c + "_tgt.npy");
    Array logits = run(m, "forward", {&src, &tgt});
    EXPECT_EQ(logits.shape, loadNpy(kData + c + "_logits.npy").shape);
    EXPECT_LE(relativeError(logits.f, loadNpy(kData + c + "_logits.npy").f),
              kTolerance);
    // encode once, decode: the same logits.
    Array memory = run(m, "encode", {&src});
    EXPECT_LE(relativeError(memory.f, loadNpy(kData + c + "_memory.npy").f),
              kTolerance);
    memory.isFloat = true;
    Array decoded = run(m, "decode", {&tgt, &memory, &src});
    EXPECT_LE(relativeError(decoded.f, logits.f), 1e-6);
  }
}

TEST_F(SeedCompiled, ConcurrentRunsOfOneModelAgree) {
  // One loaded model, four threads each running every case several times
  // at once (the runtime's promise in runtime.h): each result matches the
  // PyTorch reference, as a lone run does.
  Model m(*dir + "/libseed_transformer.so", kData + "weights.safetensors");
  ASSERT_TRUE(m.model);
  std::vector<std::string> cases = {"padded", "length1", "allpad"};
  std::vector<Array> srcs, tgts, refs;
  for (const std::string &c : cases) {
    srcs.push_back(loadNpy(kData + c + "_src.npy"));
    tgts.push_back(loadNpy(kData + c + "_tgt.npy"));
    refs.push_back(loadNpy(kData + c + "_logits.npy"));
  }
  std::vector<double> worst(4, 0);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep)
        for (size_t c = 0; c < cases.size(); ++c) {
          size_t k = (c + t) % cases.size(); // threads run different cases
          Array src = srcs[k], tgt = tgts[k];
          std::string error;
          Array got = run(m, "forward", {&src, &tgt}, &error);
          if (!error.empty()) {
            errors[t] = error;
            return;
          }
          worst[t] = std::max(worst[t], relativeError(got.f, refs[k].f));
        }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(errors[t], "") << "thread " << t;
    EXPECT_LE(worst[t], kTolerance) << "thread " << t;
  }
}

TEST_F(SeedCompiled, ResultsDoNotDependOnTheThreadCount) {
  // Inputs large enough that every kind of region forks (elementwise ones
  // from 16384 elements: 9 x 57 x d_model 32 is 16416): teams of 1, 2, 3,
  // 5 and 17 threads split the same work differently (a loop's 16 ranges
  // unevenly, or with several threads starting at the same range), and
  // must compute the same bits.
  Model m(*dir + "/libseed_transformer.so", kData + "weights.safetensors");
  ASSERT_TRUE(m.model);
  std::mt19937 rng(7);
  Array src{{9, 60}, {}, {}, false}, tgt{{9, 57}, {}, {}, false};
  for (Array *a : {&src, &tgt})
    for (int64_t k = 0; k < a->shape[0] * a->shape[1]; ++k)
      a->i.push_back(1 + rng() % 5); // ids in both vocabularies, no padding
  for (int64_t k = 50; k < 60; ++k)
    src.i[k] = 0; // row 0 padded at its end
  std::vector<float> first;
  for (int threads : {1, 2, 3, 5, 17}) {
    SCOPED_TRACE(threads);
    ASSERT_EQ(xf_model_set_threads(m.model, threads), nullptr);
    Array logits = run(m, "forward", {&src, &tgt});
    ASSERT_EQ(logits.f.size(), size_t(9 * 57 * 9));
    if (first.empty())
      first = logits.f;
    else
      EXPECT_EQ(std::memcmp(logits.f.data(), first.data(),
                            first.size() * sizeof(float)),
                0);
  }
}

/// The seed library of `target` against the PyTorch logits on every case
/// (and, with `decode`, encode + decode against its own forward).
void expectSeedMatchesPyTorch(const std::string &target, bool decode) {
  std::string dir = compileModel(kSource + "/examples/seed_transformer.xf",
                                 kSeedSmall, "seed", target);
  Model m(dir + "/libseed_transformer.so", kData + "weights.safetensors");
  SKIP_WITHOUT_DEVICE(m);
  ASSERT_TRUE(m.model);
  EXPECT_STREQ(xf_model_target(m.model), target == "vulkan" ? "vulkan" : "cpu");
  for (const char *c : {"padded", "length1", "allpad"}) {
    SCOPED_TRACE(c);
    Array src = loadNpy(kData + c + "_src.npy");
    Array tgt = loadNpy(kData + c + "_tgt.npy");
    Array ref = loadNpy(kData + c + "_logits.npy");
    Array got = run(m, "forward", {&src, &tgt});
    EXPECT_EQ(got.shape, ref.shape);
    EXPECT_LE(relativeError(got.f, ref.f), kTolerance);
    if (!decode)
      continue;
    Array memory = run(m, "encode", {&src});
    memory.isFloat = true;
    Array decoded = run(m, "decode", {&tgt, &memory, &src});
    EXPECT_LE(relativeError(decoded.f, got.f), 1e-6);
  }
}

TEST(SeedOnVulkan, MatchesPyTorchOnEveryCase) {
  expectSeedMatchesPyTorch("vulkan", /*decode=*/false);
}

TEST(SeedWithHalideKernels, MatchesPyTorchOnEveryCase) {
  expectSeedMatchesPyTorch("halide", /*decode=*/true);
}

TEST_F(SeedCompiled, WritesManifestAndHeader) {
  std::ifstream manifest(*dir + "/seed_transformer.json");
  std::stringstream text;
  text << manifest.rdbuf();
  llvm::Expected<llvm::json::Value> root = llvm::json::parse(text.str());
  ASSERT_TRUE(bool(root)) << llvm::toString(root.takeError());
  const llvm::json::Object *o = root->getAsObject();
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->getInteger(XF_KEY_ABI_VERSION), XF_ABI_VERSION);
  const llvm::json::Array *entries = o->getArray(XF_KEY_ENTRIES);
  ASSERT_NE(entries, nullptr);
  const llvm::json::Object *decode = nullptr;
  for (const llvm::json::Value &e : *entries)
    if (e.getAsObject()->getString(XF_KEY_NAME) == "decode")
      decode = e.getAsObject();
  ASSERT_NE(decode, nullptr) << text.str();
  EXPECT_EQ(decode->getString(XF_KEY_SYMBOL), "xf_entry_decode");
  const llvm::json::Object *logits = decode->getObject(XF_KEY_OUTPUT);
  ASSERT_NE(logits, nullptr);
  EXPECT_EQ(logits->getString(XF_KEY_NAME), "logits");
  EXPECT_EQ(logits->getString(XF_KEY_DTYPE), "f32");
  EXPECT_EQ(*logits->get(XF_KEY_SHAPE),
            llvm::json::Value(llvm::json::Array{-1, -1, 9}));
  EXPECT_EQ(*logits->get(XF_KEY_DIMS),
            llvm::json::Value(llvm::json::Array{"batch", "tgt_len", ""}));
  std::ifstream header(*dir + "/seed_transformer.h");
  std::stringstream h;
  h << header.rdbuf();
  EXPECT_NE(h.str().find("static inline xf_status *seed_transformer_decode("
                         "const xf_model *model, const xf_tensor *tgt, "
                         "const xf_tensor *memory, const xf_tensor *src, "
                         "xf_tensor *out_logits)"),
            std::string::npos)
      << h.str();
}

TEST_F(SeedCompiled, RejectsBadInputsWithOneMessage) {
  Model m(*dir + "/libseed_transformer.so", kData + "weights.safetensors");
  ASSERT_TRUE(m.model);
  Array src = loadNpy(kData + "padded_src.npy"),
        tgt = loadNpy(kData + "padded_tgt.npy");
  std::string error;
  xf_status_code_t code = XF_STATUS_OK;
  Array big = src;
  big.i[7] = 6;
  run(m, "forward", {&big, &tgt}, &error, &code);
  EXPECT_EQ(
      error,
      "input 'src': token id 6 at [1, 2] is outside the vocabulary (0..5)");
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  Array shortTgt = loadNpy(kData + "length1_tgt.npy");
  run(m, "forward", {&src, &shortTgt}, &error, &code);
  EXPECT_EQ(error, "input 'tgt': batch is 1 but input 'src' has batch 2");
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  Array longSrc;
  longSrc.isFloat = false;
  longSrc.shape = {1, 65};
  longSrc.i.assign(65, 1);
  Array one = loadNpy(kData + "length1_tgt.npy");
  run(m, "forward", {&longSrc, &one}, &error, &code);
  EXPECT_EQ(error, "input 'src' has length 65, more than max_len = 64");
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  Array floats = loadNpy(kData + "padded_logits.npy");
  run(m, "forward", {&floats, &tgt}, &error, &code);
  EXPECT_EQ(error, "input 'src': expected int64 [?, ?], found f32 [2, 6, 9]");
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  Array empty;
  empty.isFloat = false;
  empty.shape = {2, 0};
  run(m, "forward", {&empty, &tgt}, &error, &code);
  EXPECT_EQ(error, "input 'src': dim 1 (src_len) is 0, expected at least 1");
  EXPECT_EQ(code, XF_STATUS_INVALID_ARGUMENT);
  run(m, "translate", {&src}, &error, &code);
  EXPECT_EQ(error, "unknown entry point 'translate' (the model has decode, "
                   "encode, forward, generate_encode, generate_step)");
  EXPECT_EQ(code, XF_STATUS_NOT_FOUND);
}

// $XF_WEIGHTS: `resident` reads every tensor the model uses into the
// model's arena, `mapped` none; both compute the same bits; anything else
// fails the load with one message.
TEST_F(SeedCompiled, ResidentAndMappedWeightsAgree) {
  struct Restore {
    ~Restore() { unsetenv("XF_WEIGHTS"); }
  } restore;
  std::string library = *dir + "/libseed_transformer.so",
              weights = kData + "weights.safetensors";
  std::string error;
  auto file = xf::rt::SafetensorsFile::open(weights, error);
  ASSERT_TRUE(file) << error;
  Array src = loadNpy(kData + "padded_src.npy"),
        tgt = loadNpy(kData + "padded_tgt.npy");
  std::map<std::string, std::vector<float>> logits;
  for (const char *placement : {"resident", "mapped"}) {
    SCOPED_TRACE(placement);
    setenv("XF_WEIGHTS", placement, 1);
    Model m(library, weights);
    ASSERT_TRUE(m.model);
    size_t used = 0;
    std::string unused = "\n" + std::string(xf_model_unused_weights(m.model));
    for (const xf::rt::TensorEntry &t : file->tensors())
      if (unused.find("\n" + t.name + "\n") == std::string::npos)
        used += t.bytes;
    EXPECT_EQ(xf_model_resident_weight_bytes(m.model),
              std::string(placement) == "resident" ? used : 0u);
    EXPECT_EQ(xf_model_copied_weight_bytes(m.model), 0u);
    logits[placement] = run(m, "forward", {&src, &tgt}).f;
  }
  EXPECT_EQ(logits["resident"], logits["mapped"]);

  setenv("XF_WEIGHTS", "huge", 1);
  xf_model *model = nullptr;
  xf_status *s = xf_model_load(library.c_str(), weights.c_str(), &model);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(xf_status_code(s), XF_STATUS_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(xf_status_message(s)),
            "XF_WEIGHTS must be 'resident' or 'mapped', found 'huge'");
  xf_status_free(s);
  EXPECT_EQ(model, nullptr);
}

TEST_F(SeedCompiled, LoadReportsMissingWeights) {
  xf_model *model = nullptr;
  // A different depth needs tensors the file does not have.
  std::string other = compileModel(kSource + "/examples/seed_transformer.xf",
                                   overrides({{"d_model", "32"},
                                              {"d_ff", "64"},
                                              {"heads", "4"},
                                              {"d_k", "8"},
                                              {"d_v", "8"},
                                              {"layers", "1"},
                                              {"max_len", "64"},
                                              {"d_ff", "16"}}),
                                   "seed-other");
  xf_status *s = xf_model_load((other + "/libseed_transformer.so").c_str(),
                               (kData + "weights.safetensors").c_str(), &model);
  ASSERT_NE(s, nullptr);
  std::string message = xf_status_message(s);
  EXPECT_EQ(xf_status_code(s), XF_STATUS_INVALID_FORMAT);
  EXPECT_NE(
      message.find("weights.safetensors: tensor 'decoder.layers.0.pos_ffn.fc."),
      std::string::npos)
      << message;
  EXPECT_TRUE(message.find("has shape [64, 32], expected [16, 32]") !=
                  std::string::npos ||
              message.find("has shape [32, 64], expected [32, 16]") !=
                  std::string::npos)
      << message;
  xf_status_free(s);
  EXPECT_EQ(model, nullptr);
}

//===----------------------------------------------------------------------===//
// Random small models: compiled against the interpreter.
//===----------------------------------------------------------------------===//

struct RandomCase {
  const char *name, *file;
  std::vector<xf::parse::Override> sets;
};

class RandomModels
    : public ::testing::TestWithParam<std::tuple<RandomCase, const char *>> {};

TEST_P(RandomModels, CompiledMatchesInterpreter) {
  const RandomCase &c = std::get<0>(GetParam());
  const std::string target = std::get<1>(GetParam());
  std::string input = kSource + "/" + c.file;
  xf::ast::Error astError;
  auto ast = xf::parse::loadModel(input, c.sets, astError);
  ASSERT_TRUE(ast) << astError.format();
  mlir::MLIRContext context;
  auto module = xf::mlirGen(context, *ast);
  ASSERT_TRUE(module);
  std::string weights = writeRandomWeights(
      *module, ::testing::TempDir() + "/" + c.name + ".safetensors", 17);
  std::string dir = compileModel(input, c.sets, c.name, target);
  Model m(dir + "/lib" + ast->name + ".so", weights);
  SKIP_WITHOUT_DEVICE(m);
  ASSERT_TRUE(m.model);

  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "forward"));
  std::unique_ptr<xf::rt::SafetensorsFile> file;
  std::string error;
  file = xf::rt::SafetensorsFile::open(weights, error);
  ASSERT_TRUE(file) << error;
  ParamProvider provider = weightsOf(*file);

  std::mt19937 rng(5);
  int64_t vocab = ast->stacks[0].vocab;
  // (batch, length): length 1, odd lengths, padding at the ends.
  // Lengths 1, 7, 13 and 37 (two full key blocks of 16 and a tail of 5).
  for (auto [batch, len] :
       {std::pair<int64_t, int64_t>{1, 1}, {2, 7}, {3, 13}, {2, 37}}) {
    SCOPED_TRACE("batch " + std::to_string(batch) + " length " +
                 std::to_string(len));
    Array ids;
    ids.isFloat = false;
    ids.shape = {batch, len};
    std::uniform_int_distribution<int64_t> token(1, vocab - 1);
    // Row r ends in r padding tokens; a third row is padding only (its
    // attention rows must be uniform, as unfused).
    for (int64_t k = 0; k < batch * len; ++k) {
      int64_t r = k / len, col = k % len;
      bool pad = col >= len - r || (batch >= 3 && r == 2);
      ids.i.push_back(pad ? 0 : token(rng));
    }
    Array got = run(m, "forward", {&ids});
    HostTensor in;
    in.kind = ElementKind::I64;
    in.shape = ids.shape;
    in.i = ids.i;
    std::vector<HostTensor> results;
    ASSERT_TRUE(interpret(fn, {in}, provider, results, error)) << error;
    EXPECT_LE(relativeError(got.f, results[0].f), kTolerance);
  }
}

//===----------------------------------------------------------------------===//
// Attention alone: the CPU and GPU flash kernels against the interpreter.
//===----------------------------------------------------------------------===//

struct AttentionCase {
  const char *name, *file;
  int64_t batch, heads, width;
  bool keyTransposed;  ///< K is given as [B, H, d, Lk]
  int64_t kvHeads = 0; ///< K/V heads if fewer than Q's (grouped queries)
};

void PrintTo(const AttentionCase &c, std::ostream *os) { *os << c.name; }

class AttentionKernel
    : public ::testing::TestWithParam<std::tuple<AttentionCase, const char *>> {
};

TEST_P(AttentionKernel, MatchesInterpreter) {
  const AttentionCase &c = std::get<0>(GetParam());
  const std::string target = std::get<1>(GetParam());
  std::string input = kSource + "/" + c.file;
  mlir::DialectRegistry registry;
  registerXfDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(input, &context);
  ASSERT_TRUE(module);
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "forward"));
  ASSERT_TRUE(fn);
  // No parameters: an empty weights file.
  std::string weights = writeRandomWeights(
      *module, ::testing::TempDir() + "/" + c.name + ".safetensors", 0);
  Model m(compileModel(input, {}, c.name, target) + "/lib" +
              module->getSymName()->str() + ".so",
          weights);
  SKIP_WITHOUT_DEVICE(m);
  ASSERT_TRUE(m.model);
  ParamProvider none = [](const std::string &name, const std::vector<int64_t> &,
                          std::string &why) -> std::optional<HostTensor> {
    why = "no parameter " + name;
    return std::nullopt;
  };

  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0, 1);
  // (queries, keys): length 1; one key block exactly (16 and 64 keys);
  // lengths with tails of keys (past blocks of 64, then of 16, on the CPU;
  // of 32 on the GPU) and of queries (past super-blocks of 32 rows and
  // groups of 4 on the CPU, workgroups of 64 rows on the GPU).
  std::vector<std::vector<Array>> inputs; // per case: q, k, v, ids
  std::vector<Array> results;
  for (auto [lq, lk] : {std::pair<int64_t, int64_t>{1, 1},
                        {5, 16},
                        {37, 37},
                        {40, 33},
                        {70, 50},
                        {3, 64},
                        {45, 147}}) {
    SCOPED_TRACE("queries " + std::to_string(lq) + " keys " +
                 std::to_string(lk));
    auto randomArray = [&](std::vector<int64_t> shape) {
      Array a;
      a.shape = shape;
      int64_t n = 1;
      for (int64_t d : shape)
        n *= d;
      for (int64_t k = 0; k < n; ++k)
        a.f.push_back(dist(rng));
      return a;
    };
    int64_t kvHeads = c.kvHeads ? c.kvHeads : c.heads;
    Array q = randomArray({c.batch, c.heads, lq, c.width});
    Array k = c.keyTransposed ? randomArray({c.batch, kvHeads, c.width, lk})
                              : randomArray({c.batch, kvHeads, lk, c.width});
    Array v = randomArray({c.batch, kvHeads, lk, c.width});
    // Batch row r ends in r·lk/3 padding keys (the last row of a batch of
    // 2 is half padding; the only key of length 1 stays real); row 1 also
    // starts with 3, so under a causal mask its first queries see padding
    // only (uniform over all keys, as unfused).
    Array ids;
    ids.isFloat = false;
    ids.shape = {c.batch, lk};
    for (int64_t r = 0; r < c.batch; ++r)
      for (int64_t j = 0; j < lk; ++j) {
        bool pad =
            (j >= lk - r * lk / 3 && j > 0) || (r == 1 && j < 3 && lk > 3);
        ids.i.push_back(pad ? 0 : 1 + j % 7);
      }
    Array got = run(m, "forward", {&q, &k, &v, &ids});
    std::vector<HostTensor> args;
    for (Array *a : {&q, &k, &v, &ids}) {
      HostTensor t;
      t.shape = a->shape;
      t.kind = a->isFloat ? ElementKind::F32 : ElementKind::I64;
      t.f = a->f;
      t.i = a->i;
      args.push_back(std::move(t));
    }
    std::string error;
    std::vector<HostTensor> expected;
    ASSERT_TRUE(interpret(fn, args, none, expected, error)) << error;
    EXPECT_LE(relativeError(got.f, expected[0].f), kTolerance);
    inputs.push_back({q, k, v, ids});
    results.push_back(got);
  }
  // The same cases from three threads at once on the one loaded model:
  // the same results, bit for bit (a query block's arithmetic does not
  // depend on the thread that runs it).
  std::vector<double> worst(3, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < inputs.size(); ++i) {
        size_t n = (i + t) % inputs.size();
        std::vector<Array> in = inputs[n];
        std::string error;
        Array again =
            run(m, "forward", {&in[0], &in[1], &in[2], &in[3]}, &error);
        worst[t] = std::max(worst[t], error.empty()
                                          ? relativeError(again.f, results[n].f)
                                          : INFINITY);
      }
    });
  for (std::thread &t : threads)
    t.join();
  for (int t = 0; t < 3; ++t)
    EXPECT_EQ(worst[t], 0) << "thread " << t;
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, AttentionKernel,
    ::testing::Combine(
        ::testing::Values(
            AttentionCase{"attention", "bench/attention.mlir", 1, 8, 64, false},
            AttentionCase{"attention_kt", "tests/e2e/Inputs/attention_kt.mlir",
                          2, 4, 32, true},
            AttentionCase{"attention_causal",
                          "tests/e2e/Inputs/attention_causal.mlir", 2, 4, 32,
                          false},
            AttentionCase{"attention_grouped",
                          "tests/e2e/Inputs/attention_grouped.mlir", 2, 4, 32,
                          false, 2}),
        ::testing::Values("cpu", "cpu_avx2", "vulkan", "halide",
                          "halide_blocks")),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::get<1>(info.param);
    });

//===----------------------------------------------------------------------===//
// Linear layers alone: the CPU and GPU kernels against a plain loop.
//===----------------------------------------------------------------------===//

class LinearKernel
    : public ::testing::TestWithParam<std::tuple<const char *, const char *>> {
};

TEST_P(LinearKernel, MatchesPlainLoop) {
  const std::string name = std::get<0>(GetParam());
  const std::string target = std::get<1>(GetParam());
  std::string input = kSource + "/tests/e2e/Inputs/" + name + ".mlir";
  mlir::DialectRegistry registry;
  registerXfDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(input, &context);
  ASSERT_TRUE(module);
  std::string weights = writeRandomWeights(
      *module, ::testing::TempDir() + "/" + name + ".safetensors", 3);
  Model m(compileModel(input, {}, name, target) + "/lib" + name + ".so",
          weights);
  SKIP_WITHOUT_DEVICE(m);
  ASSERT_TRUE(m.model);
  std::vector<int64_t> wShape;
  module->walk([&](ParamOp p) {
    auto shape = p.getType().getShape();
    wShape.assign(shape.begin(), shape.end());
  });
  int64_t n = wShape[0], k = wShape[1];
  std::string error;
  auto file = xf::rt::SafetensorsFile::open(weights, error);
  ASSERT_TRUE(file) << error;
  std::vector<float> w;
  ASSERT_TRUE(file->readF32("w", wShape, w, error)) << error;

  std::mt19937 rng(9);
  std::normal_distribution<float> dist(0, 1);
  // Rows: up to 4 (the CPU's weight-streaming shapes for generation steps:
  // 1; 2; 3 and 4) and one more (5, the panel path); a partial panel; an odd
  // number of panels with a partial last one; more than one chunk of 16
  // panels (CPU). On the GPU: one partial 64-row tile up to five tiles, the
  // last partial.
  for (int64_t rows : {1, 2, 3, 4, 5, 15, 37, 300}) {
    SCOPED_TRACE("rows " + std::to_string(rows));
    Array x;
    x.shape = {rows, k};
    for (int64_t i = 0; i < rows * k; ++i)
      x.f.push_back(dist(rng));
    Array got = run(m, "forward", {&x});
    std::vector<float> ref(rows * n, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < n; ++c) {
        double sum = 0;
        for (int64_t i = 0; i < k; ++i)
          sum += double(x.f[r * k + i]) * w[c * k + i];
        ref[r * n + c] = float(sum);
      }
    EXPECT_EQ(got.shape, (std::vector<int64_t>{rows, n}));
    EXPECT_LE(relativeError(got.f, ref), 1e-5);
  }
}

//===----------------------------------------------------------------------===//
// Norms alone: LayerNorm (residual, weight, bias) then RMSNorm against the
// interpreter, rows of 37.
//===----------------------------------------------------------------------===//

/// Kernels over rows of 37 (a width that is no multiple of a vector):
/// (file in tests/e2e/Inputs, target); `forward(x, r)` on [B, L, 37].
class RowKernels
    : public ::testing::TestWithParam<std::tuple<const char *, const char *>> {
};

TEST_P(RowKernels, MatchesInterpreter) {
  const std::string name = std::get<0>(GetParam());
  const std::string target = std::get<1>(GetParam());
  std::string input = kSource + "/tests/e2e/Inputs/" + name + ".mlir";
  mlir::DialectRegistry registry;
  registerXfDialects(registry);
  mlir::MLIRContext context(registry);
  auto module = mlir::parseSourceFile<mlir::ModuleOp>(input, &context);
  ASSERT_TRUE(module);
  auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
      *module, mlir::StringAttr::get(&context, "forward"));
  std::string weights = writeRandomWeights(
      *module, ::testing::TempDir() + "/" + name + ".safetensors", 13);
  Model m(compileModel(input, {}, name, target) + "/lib" + name + ".so",
          weights);
  ASSERT_TRUE(m.model);
  std::string error;
  auto file = xf::rt::SafetensorsFile::open(weights, error);
  ASSERT_TRUE(file) << error;
  ParamProvider provider = weightsOf(*file);
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0, 2);
  // Rows: 1, then 7, 13, 37 and 147 (past blocks of rows), batch 1 and 2.
  for (auto [batch, len] : {std::pair<int64_t, int64_t>{1, 1},
                            {1, 7},
                            {1, 13},
                            {2, 37},
                            {1, 147}}) {
    SCOPED_TRACE("rows " + std::to_string(batch * len));
    Array x, r;
    for (Array *a : {&x, &r}) {
      a->shape = {batch, len, 37};
      for (int64_t i = 0; i < batch * len * 37; ++i)
        a->f.push_back(dist(rng) + 1);
    }
    Array got = run(m, "forward", {&x, &r});
    std::vector<HostTensor> args;
    for (Array *a : {&x, &r}) {
      HostTensor t;
      t.shape = a->shape;
      t.kind = ElementKind::F32;
      t.f = a->f;
      args.push_back(std::move(t));
    }
    std::vector<HostTensor> expected;
    ASSERT_TRUE(interpret(fn, args, provider, expected, error)) << error;
    EXPECT_LE(relativeError(got.f, expected[0].f), kTolerance);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Files, RowKernels,
    ::testing::Combine(::testing::Values("norms", "elementwise"),
                       ::testing::Values("cpu", "halide")),
    [](const auto &info) {
      return std::string(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param);
    });

INSTANTIATE_TEST_SUITE_P(
    Shapes, LinearKernel,
    ::testing::Combine(::testing::Values("linear_197x64", "linear_30x20",
                                         "linear_7x37"),
                       ::testing::Values("cpu", "cpu_avx2", "vulkan",
                                         "halide")),
    [](const auto &info) {
      return std::string(std::get<0>(info.param)) + "_" +
             std::get<1>(info.param);
    });

INSTANTIATE_TEST_SUITE_P(
    Families, RandomModels,
    ::testing::Combine(
        ::testing::Values(
            // d_ff 1100: the GELU's rows are longer than one block of an
            // elementwise loop (1024), the last block partial.
            RandomCase{"gpt2", "examples/gpt2_small.xf",
                       overrides({{"d_model", "48"},
                                  {"d_ff", "1100"},
                                  {"heads", "3"},
                                  {"layers", "2"},
                                  {"vocab", "50"},
                                  {"max_len", "40"},
                                  {"end_token", "2"}})},
            RandomCase{"bert", "examples/bert_base.xf",
                       overrides({{"d_model", "40"},
                                  {"d_ff", "56"},
                                  {"heads", "5"},
                                  {"layers", "2"},
                                  {"vocab", "30"},
                                  {"max_len", "40"}})},
            // Head width 6: the GPU flash kernel stages K and V as scalars
            // (4 does not divide the width; 8 and 16 take vectors of 4).
            RandomCase{"bert6", "examples/bert_base.xf",
                       overrides({{"d_model", "30"},
                                  {"d_ff", "40"},
                                  {"heads", "5"},
                                  {"layers", "2"},
                                  {"vocab", "30"},
                                  {"max_len", "40"}})},
            // Head width 16: attention runs the flash-style CPU kernel with
            // padding from the key ids (width 8 above takes the decomposition).
            RandomCase{"bert16", "examples/bert_base.xf",
                       overrides({{"d_model", "64"},
                                  {"d_ff", "64"},
                                  {"heads", "4"},
                                  {"layers", "2"},
                                  {"vocab", "30"},
                                  {"max_len", "40"}})},
            RandomCase{"llama", "tests/e2e/Inputs/tiny_llama.xf", {}},
            // Head width 16: the grouped-query attention (4 query heads, 2
            // K/V heads) runs the CPU flash kernel.
            RandomCase{"llama16", "tests/e2e/Inputs/tiny_llama.xf",
                       overrides({{"d_model", "64"}})}),
        ::testing::Values("cpu", "cpu_avx2", "vulkan", "halide")),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::get<1>(info.param);
    });

} // namespace
