//===- GenerationTest.cpp - Cached generation against the full forward ----===//
//
// For the seed model (its trained small weights), a GPT-2-style and a
// LLaMA-style model (rotary, grouped K/V heads; random weights): logits
// produced through a generation state (a prefill, then one token per step)
// equal the full forward's at every real position, for batches whose rows
// have different lengths, a length-1 prompt, and a state filled exactly to
// its capacity; the interpreter's generate_step agrees with the compiled one.
// The same for an AVX2-only CPU (--cpu=haswell) and on Vulkan (lavapipe
// where there is no GPU), whose caches live in device memory. Misuse returns the statuses below, and 8 threads
// generating from one model give one thread's tokens. Tolerance: 1e-5
// relative on the CPU, 1e-4 on Vulkan (other kernels: the GPU's GEMM and
// attention sum in other orders than the CPU's).
//
//===----------------------------------------------------------------------===//

#include "tests/e2e/TestSupport.h"
#include "dialect/Interpreter/Interpreter.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Sema.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "runtime/io/Safetensors.h"
#include <cstring>
#include <thread>

using namespace mlir::xf;
using namespace xf::test;

namespace {

double stepTolerance(const std::string &target) {
  return target == "vulkan" ? 1e-4 : 1e-5;
}

/// A generation state, freed at scope exit.
struct State {
  xf_generation *state = nullptr;
  State(const Model &m, int64_t batch, int64_t capacity) {
    xf_status *s = xf_generation_create(m.model, batch, capacity, &state);
    EXPECT_EQ(s ? xf_status_message(s) : "", std::string());
    xf_status_free(s);
  }
  ~State() { xf_generation_free(state); }
};

/// A status's message ("" for success), the status freed.
std::string message(xf_status *s) {
  std::string m = s ? xf_status_message(s) : "";
  xf_status_free(s);
  return m;
}

Array ids(std::vector<int64_t> shape, std::vector<int64_t> values) {
  Array a;
  a.isFloat = false;
  a.shape = std::move(shape);
  a.i = std::move(values);
  return a;
}

/// Appends `tokens` with per-row `counts`; returns the logits.
Array append(xf_generation *g, Array tokens, const std::vector<int64_t> &counts,
             std::string *error = nullptr) {
  xf_tensor t = tokens.view(), out{};
  std::string m = message(xf_generation_append(g, &t, counts.data(), &out));
  if (error)
    *error = m;
  else
    EXPECT_EQ(m, "");
  Array r;
  if (!m.empty())
    return r;
  r.shape.assign(out.shape, out.shape + out.rank);
  size_t n = 1;
  for (int64_t d : r.shape)
    n *= d;
  r.f.assign(static_cast<float *>(out.data), static_cast<float *>(out.data) + n);
  std::free(out.data);
  return r;
}

/// Row b, position t of logits [B, T, V].
std::vector<float> at(const Array &logits, int64_t b, int64_t t) {
  int64_t len = logits.shape[1], vocab = logits.shape[2];
  auto begin = logits.f.begin() + (b * len + t) * vocab;
  return {begin, begin + vocab};
}

/// Appends `tokens` [B, len] one column per step from column `from` on
/// (row b while t < lengths[b]; rows that have ended append nothing);
/// returns the worst relative error of a step's logits against `full`
/// [B, len, V] at the same position.
double stepAgainstFull(xf_generation *g, const Array &tokens,
                       const std::vector<int64_t> &lengths, int64_t from,
                       const Array &full) {
  const int64_t batch = tokens.shape[0], len = tokens.shape[1];
  std::vector<int64_t> counts(batch);
  double worst = 0;
  for (int64_t t = from; t < len; ++t) {
    Array next = ids({batch, 1}, {});
    for (int64_t b = 0; b < batch; ++b) {
      counts[b] = t < lengths[b] ? 1 : 0;
      next.i.push_back(counts[b] ? tokens.i[b * len + t] : 0);
    }
    Array step = append(g, next, counts);
    EXPECT_EQ(step.shape, (std::vector<int64_t>{batch, 1, full.shape[2]}));
    if (step.shape.size() != 3)
      return INFINITY;
    for (int64_t b = 0; b < batch; ++b)
      if (counts[b])
        worst = std::max(worst, relativeError(at(step, b, 0), at(full, b, t)));
  }
  return worst;
}

struct Family {
  const char *name, *file;
  std::vector<xf::parse::Override> sets;
  bool trainedWeights; ///< the seed's small trained weights, else random
};

void PrintTo(const Family &f, std::ostream *os) { *os << f.name; }

/// A compiled family with its weights and its unoptimized IR (for the
/// interpreter).
struct Compiled {
  std::unique_ptr<xf::ast::Model> ast;
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::string weights;
  std::unique_ptr<Model> model;
  std::unique_ptr<xf::rt::SafetensorsFile> file;

  explicit Compiled(const Family &f, const std::string &target = "cpu") {
    std::string input = kSource + "/" + f.file;
    xf::ast::Error astError;
    auto parsed = xf::parse::loadModel(input, f.sets, astError);
    EXPECT_TRUE(parsed) << astError.format();
    if (!parsed)
      return;
    ast = std::make_unique<xf::ast::Model>(std::move(*parsed));
    module = xf::mlirGen(context, *ast);
    EXPECT_TRUE(module);
    weights = f.trainedWeights
                  ? kData + "weights.safetensors"
                  : writeRandomWeights(*module,
                                       ::testing::TempDir() + "/gen-" + f.name +
                                           ".safetensors",
                                       23);
    std::string dir =
        compileModel(input, f.sets, std::string("gen-") + f.name, target);
    model = std::make_unique<Model>(dir + "/lib" + ast->name + ".so", weights);
    std::string error;
    file = xf::rt::SafetensorsFile::open(weights, error);
    EXPECT_TRUE(file) << error;
  }
  const xf::ast::Stack &stack() const { return *ast->generatingStack(); }
  bool hasMemory() const { return !stack().memory.empty(); }

  /// An empty cache for state argument `a` of `fn`: `batch` rows,
  /// `capacity` tokens.
  static HostTensor emptyCache(mlir::func::FuncOp fn, unsigned a,
                               int64_t batch, int64_t capacity) {
    auto type = mlir::cast<mlir::RankedTensorType>(fn.getArgumentTypes()[a]);
    HostTensor z;
    z.shape = {batch, type.getDimSize(1),
               type.isDynamicDim(2) ? capacity : type.getDimSize(2),
               type.isDynamicDim(3) ? capacity : type.getDimSize(3)};
    z.f.assign(HostTensor::count(z.shape), 0.f);
    return z;
  }

  /// Runs `entry` in the interpreter on `inputs`, then, for the state
  /// arguments not given, empty caches of `batch` rows and `capacity`.
  std::vector<HostTensor> interpret(const char *entry,
                                    std::vector<HostTensor> inputs,
                                    int64_t batch, int64_t capacity) {
    auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
        *module, mlir::StringAttr::get(&context, entry));
    EXPECT_TRUE(fn) << entry;
    for (unsigned a = inputs.size(); a < fn.getNumArguments(); ++a)
      inputs.push_back(emptyCache(fn, a, batch, capacity));
    std::vector<HostTensor> results;
    std::string error;
    EXPECT_TRUE(mlir::xf::interpret(fn, inputs, weightsOf(*file), results,
                                    error))
        << error;
    return results;
  }
};

HostTensor hostIds(const Array &a) {
  HostTensor t;
  t.kind = ElementKind::I64;
  t.shape = a.shape;
  t.i = a.i;
  return t;
}

class Generation
    : public ::testing::TestWithParam<std::tuple<Family, const char *>> {};

TEST_P(Generation, StepsMatchTheFullForward) {
  const std::string target = std::get<1>(GetParam());
  const double tolerance = stepTolerance(target);
  Compiled c(std::get<0>(GetParam()), target);
  ASSERT_TRUE(c.model);
  SKIP_WITHOUT_DEVICE(*c.model);
  ASSERT_TRUE(c.model->model);
  const int64_t vocab = c.stack().vocab;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> token(3, vocab - 1);
  // Rows of 9, 5 and 1 real tokens (the rest padding); a prompt of 4
  // (rows shorter than that take fewer), then one token per step. The
  // capacity is the longest row: that row fills the state exactly.
  const int64_t batch = 3, len = 9, prompt = 4;
  const std::vector<int64_t> lengths = {9, 5, 1};
  Array tokens = ids({batch, len}, {});
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < len; ++t)
      tokens.i.push_back(t < lengths[b] ? token(rng) : 0);
  Array src = ids({batch, 6}, {});
  for (int64_t k = 0; k < batch * 6; ++k)
    src.i.push_back(k % 6 < 6 - k / 6 ? 1 + k % 5 : 0); // rows padded 0..2
  Array full = c.hasMemory() ? run(*c.model, "forward", {&src, &tokens})
                             : run(*c.model, "forward", {&tokens});
  ASSERT_EQ(full.shape, (std::vector<int64_t>{batch, len, vocab}));

  State g(*c.model, batch, len);
  ASSERT_TRUE(g.state);
  if (c.hasMemory()) {
    xf_tensor s = src.view();
    ASSERT_EQ(message(xf_generation_encode(g.state, &s)), "");
  }
  double worst = 0;
  // The prefill: the first `prompt` columns.
  Array first = ids({batch, prompt}, {});
  std::vector<int64_t> counts;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t t = 0; t < prompt; ++t)
      first.i.push_back(tokens.i[b * len + t]);
    counts.push_back(std::min(prompt, lengths[b]));
  }
  Array logits = append(g.state, first, counts);
  ASSERT_EQ(logits.shape, (std::vector<int64_t>{batch, prompt, vocab}));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < counts[b]; ++t)
      worst = std::max(worst, relativeError(at(logits, b, t), at(full, b, t)));
  // The interpreter's step from the same empty caches agrees.
  {
    std::vector<HostTensor> inputs = {hostIds(first)};
    HostTensor past;
    past.kind = ElementKind::I64;
    past.shape = {batch};
    past.i.assign(batch, 0);
    inputs.push_back(past);
    if (c.hasMemory()) {
      inputs.push_back(hostIds(src));
      std::vector<HostTensor> enc =
          c.interpret("generate_encode", {hostIds(src)}, batch, len);
      auto fn = mlir::SymbolTable::lookupNearestSymbolFrom<mlir::func::FuncOp>(
          *c.module, mlir::StringAttr::get(&c.context, "generate_step"));
      // Per layer: the self caches empty, the cross caches the encode's
      // (its results after the memory, in the same order).
      size_t cross = 1;
      for (unsigned a = inputs.size(); a < fn.getNumArguments(); ++a) {
        auto name = fn.getArgAttrOfType<mlir::StringAttr>(
            a, XfDialect::getStateAttrName());
        inputs.push_back(name && name.getValue().starts_with("cross")
                             ? enc[cross++]
                             : Compiled::emptyCache(fn, a, batch, len));
      }
    }
    std::vector<HostTensor> results =
        c.interpret("generate_step", inputs, batch, len);
    ASSERT_FALSE(results.empty());
    Array interpreted;
    interpreted.shape = results[0].shape;
    interpreted.f = results[0].f;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < counts[b]; ++t)
        EXPECT_LE(relativeError(at(logits, b, t), at(interpreted, b, t)),
                  tolerance)
            << "interpreter, row " << b << " position " << t;
  }
  // Then one token per step; rows that have ended append nothing.
  worst = std::max(worst,
                   stepAgainstFull(g.state, tokens, lengths, prompt, full));
  EXPECT_LE(worst, tolerance);
  const int64_t *filled = xf_generation_lengths(g.state);
  for (int64_t b = 0; b < batch; ++b)
    EXPECT_EQ(filled[b], lengths[b]) << "row " << b;
}

INSTANTIATE_TEST_SUITE_P(
    Families, Generation,
    ::testing::Combine(
        ::testing::Values(
            Family{"seed", "examples/seed_transformer.xf", kSeedSmall, true},
            Family{"gpt2", "examples/gpt2_small.xf",
                   overrides({{"d_model", "48"},
                              {"d_ff", "96"},
                              {"heads", "3"},
                              {"layers", "2"},
                              {"vocab", "50"},
                              {"max_len", "40"},
                              {"end_token", "2"}}),
                   false},
            Family{"llama", "tests/e2e/Inputs/tiny_llama.xf", {}, false}),
        ::testing::Values("cpu", "cpu_avx2", "vulkan")),
    [](const auto &info) {
      return std::string(std::get<0>(info.param).name) + "_" +
             std::get<1>(info.param);
    });

/// A context longer than a split of the CPU attention kernel's keys (256):
/// prefills of 270 tokens and steps up to 520, so a step's keys span one,
/// two and three chunks that the kernel merges; every step's logits equal
/// the full forward's. Two rows of different lengths; GPT-2-style (learned
/// positions) and LLaMA-style (rotary, grouped K/V heads).
TEST(GenerationLong, StepsAcrossKeySplitsMatchTheFullForward) {
  for (const Family &f :
       {Family{"gpt2-long", "examples/gpt2_small.xf",
               overrides({{"d_model", "32"},
                          {"d_ff", "64"},
                          {"heads", "2"},
                          {"layers", "2"},
                          {"vocab", "50"},
                          {"max_len", "600"},
                          {"end_token", "2"}}),
               false},
        Family{"llama-long", "tests/e2e/Inputs/tiny_llama.xf", {}, false}}) {
    SCOPED_TRACE(f.name);
    Compiled c(f);
    ASSERT_TRUE(c.model && c.model->model);
    const int64_t vocab = c.stack().vocab, batch = 2, len = 520,
                  prompt = 270;
    const std::vector<int64_t> lengths = {520, 300};
    std::mt19937 rng(5);
    std::uniform_int_distribution<int64_t> token(3, vocab - 1);
    Array tokens = ids({batch, len}, {});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < len; ++t)
        tokens.i.push_back(t < lengths[b] ? token(rng) : 0);
    Array full = run(*c.model, "forward", {&tokens});
    ASSERT_EQ(full.shape, (std::vector<int64_t>{batch, len, vocab}));
    State g(*c.model, batch, len);
    ASSERT_TRUE(g.state);
    Array first = ids({batch, prompt}, {});
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < prompt; ++t)
        first.i.push_back(tokens.i[b * len + t]);
    std::vector<int64_t> counts(batch, prompt);
    Array logits = append(g.state, first, counts);
    double worst = 0;
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t t = 0; t < prompt; ++t)
        worst =
            std::max(worst, relativeError(at(logits, b, t), at(full, b, t)));
    worst = std::max(worst,
                     stepAgainstFull(g.state, tokens, lengths, prompt, full));
    EXPECT_LE(worst, stepTolerance("cpu"));
  }
}

//===----------------------------------------------------------------------===//
// Misuse, and many threads.
//===----------------------------------------------------------------------===//

class GenerationApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    seed = new Compiled(Family{"seed-api", "examples/seed_transformer.xf",
                               kSeedSmall, true});
  }
  static void TearDownTestSuite() { delete seed; }
  static Compiled *seed;
};
Compiled *GenerationApi::seed = nullptr;

TEST_F(GenerationApi, MisuseReturnsAStatusAndChangesNothing) {
  const Model &m = *seed->model;
  ASSERT_TRUE(m.model);
  xf_generation *none = nullptr;
  EXPECT_EQ(message(xf_generation_create(m.model, 0, 8, &none)),
            "batch must be at least 1, found 0");
  EXPECT_EQ(message(xf_generation_create(m.model, 1, 65, &none)),
            "capacity must be in 1..64 (the model's max_len), found 65");
  // Caches whose size overflows size_t are refused before any allocation.
  EXPECT_EQ(message(xf_generation_create(m.model, int64_t(1) << 62, 64, &none)),
            "the generation state's caches for batch 4611686018427387904 and "
            "capacity 64 exceed the address space");
  EXPECT_EQ(none, nullptr);

  State g(m, 2, 4);
  ASSERT_TRUE(g.state);
  std::string error;
  append(g.state, ids({2, 1}, {6, 6}), {1, 1}, &error);
  EXPECT_EQ(error, "encode a source first (xf_generation_encode)");
  Array src = ids({2, 3}, {1, 2, 3, 4, 0, 0});
  xf_tensor s = src.view();
  ASSERT_EQ(message(xf_generation_encode(g.state, &s)), "");
  Array wide = ids({3, 1}, {6, 6, 6});
  xf_tensor w = wide.view();
  EXPECT_EQ(message(xf_generation_encode(g.state, &w)),
            "the source: batch 3, but the generation state was created for 2");
  append(g.state, wide, {1, 1, 1}, &error);
  EXPECT_EQ(error,
            "the tokens: batch 3, but the generation state was created for 2");
  append(g.state, ids({2, 1}, {6, 9}), {1, 1}, &error);
  EXPECT_EQ(error, "input 'tgt': token id 9 at [1, 0] is outside the "
                   "vocabulary (0..8)");
  append(g.state, ids({2, 1}, {6, 6}), {2, 1}, &error);
  EXPECT_EQ(error, "row 0: count 2 is outside 0..1");
  // Fill row 0 to the capacity, then one more is refused.
  Array before = append(g.state, ids({2, 3}, {6, 1, 2, 6, 0, 0}), {3, 1});
  append(g.state, ids({2, 1}, {3, 3}), {1, 1});
  append(g.state, ids({2, 1}, {3, 3}), {1, 1}, &error);
  EXPECT_EQ(error, "row 0 holds 4 tokens; adding 1 would exceed the state's "
                   "capacity 4");
  const int64_t *lengths = xf_generation_lengths(g.state);
  EXPECT_EQ(lengths[0], 4);
  EXPECT_EQ(lengths[1], 2);
  // The failures changed nothing: after a reset and the same appends the
  // logits are the same.
  xf_generation_reset(g.state);
  EXPECT_EQ(lengths[0], 0);
  append(g.state, ids({2, 1}, {6, 6}), {1, 1}, &error);
  EXPECT_EQ(error, "encode a source first (xf_generation_encode)");
  ASSERT_EQ(message(xf_generation_encode(g.state, &s)), "");
  Array again = append(g.state, ids({2, 3}, {6, 1, 2, 6, 0, 0}), {3, 1});
  EXPECT_EQ(again.f, before.f);

  // The step entry is not for xf_model_run.
  Array tgt = ids({1, 1}, {6});
  xf_tensor out{};
  xf_tensor in = tgt.view();
  EXPECT_EQ(message(xf_model_run(m.model, "generate_step", &in, 1, &out)),
            "entry 'generate_step' keeps its key/value caches in a "
            "generation state: run it through xf_generation_create and "
            "xf_generation_append");
}

TEST_F(GenerationApi, DecoderOnlyModelsHaveNoSource) {
  Compiled gpt2(Family{"gpt2-api", "examples/gpt2_small.xf",
                       overrides({{"d_model", "48"},
                                  {"d_ff", "96"},
                                  {"heads", "3"},
                                  {"layers", "1"},
                                  {"vocab", "50"},
                                  {"max_len", "40"},
                                  {"end_token", "2"}}),
                       false});
  ASSERT_TRUE(gpt2.model && gpt2.model->model);
  State g(*gpt2.model, 1, 8);
  Array src = ids({1, 2}, {3, 4});
  xf_tensor s = src.view();
  EXPECT_EQ(message(xf_generation_encode(g.state, &s)),
            "the model generates without a source (no memory): give the "
            "prompt to xf_generation_append instead");
  int64_t start, end, pad;
  ASSERT_EQ(message(xf_model_generation_tokens(gpt2.model->model, &start, &end,
                                               &pad)),
            "");
  EXPECT_EQ(start, -1);
  EXPECT_EQ(end, 2);
  xf_tensor out{};
  EXPECT_EQ(message(xf_generation_greedy(g.state, nullptr, nullptr, start, end,
                                         pad, 4, &out)),
            "no prompt and no start token (the description has none: give "
            "one)");
}

TEST_F(GenerationApi, SamplingIsSeededAndTopKOneIsGreedy) {
  const Model &m = *seed->model;
  ASSERT_TRUE(m.model);
  Array src = ids({2, 5}, {1, 2, 3, 4, 0, 1, 2, 5, 0, 0});
  // Ten tokens per row from a fresh state: greedy, or sampled as `how`
  // says; "" and the ids, or the error.
  auto run = [&](const xf_sampling *how, std::vector<int64_t> &tokens) {
    State g(m, 2, 12);
    xf_tensor s = src.view(), out{};
    std::string e = message(xf_generation_encode(g.state, &s));
    if (e.empty())
      e = message(how ? xf_generation_sample(g.state, nullptr, nullptr, 6, -1,
                                             0, 10, how, &out)
                      : xf_generation_greedy(g.state, nullptr, nullptr, 6, -1,
                                             0, 10, &out));
    if (e.empty()) {
      tokens.assign(static_cast<int64_t *>(out.data),
                    static_cast<int64_t *>(out.data) + 20);
      std::free(out.data);
    } else {
      const int64_t *lengths = xf_generation_lengths(g.state);
      EXPECT_EQ(lengths[0] + lengths[1], 0) << "a refused call appended";
    }
    return e;
  };
  std::vector<int64_t> greedy, k1, a, b, c;
  ASSERT_EQ(run(nullptr, greedy), "");
  xf_sampling one{4.0f, 1, 1.0f, 3}, hot{2.0f, 0, 1.0f, 5};
  ASSERT_EQ(run(&one, k1), "");
  EXPECT_EQ(k1, greedy);
  ASSERT_EQ(run(&hot, a), "");
  ASSERT_EQ(run(&hot, b), "");
  EXPECT_EQ(a, b);
  hot.seed = 6;
  ASSERT_EQ(run(&hot, c), "");
  EXPECT_NE(a, c);
  std::vector<int64_t> none;
  xf_sampling cold{0.0f, 0, 1.0f, 0};
  EXPECT_EQ(run(&cold, none),
            "sampling temperature must be a finite number above 0, found 0");
  State g(m, 2, 12);
  xf_tensor out{};
  EXPECT_EQ(message(xf_generation_sample(g.state, nullptr, nullptr, 6, -1, 0,
                                         10, nullptr, &out)),
            "xf_generation_sample: null argument");
}

/// 8 threads, each greedily generating from its own state of `m`, give the
/// tokens each generates alone.
void expectThreadsGenerateWhatOneDoes(const Model &m) {
  ASSERT_TRUE(m.model);
  int64_t start, end, pad;
  ASSERT_EQ(message(xf_model_generation_tokens(m.model, &start, &end, &pad)),
            "");
  EXPECT_EQ(start, 6); // "S"
  EXPECT_EQ(end, 7);   // "E"
  // Each thread its own state and sources; a lone run of each source first.
  auto generate = [&](int k, std::vector<int64_t> &tokens) -> std::string {
    xf_generation *g = nullptr;
    std::string e = message(xf_generation_create(m.model, 2, 12, &g));
    if (!e.empty())
      return e;
    Array src = ids({2, 5}, {1, 2, 3, 4, 0, 1 + k % 5, 2, 5, 0, 0});
    xf_tensor s = src.view(), out{};
    e = message(xf_generation_encode(g, &s));
    if (e.empty())
      e = message(
          xf_generation_greedy(g, nullptr, nullptr, start, -1, pad, 10, &out));
    if (e.empty()) {
      tokens.assign(static_cast<int64_t *>(out.data),
                    static_cast<int64_t *>(out.data) + 20);
      std::free(out.data);
    }
    xf_generation_free(g);
    return e;
  };
  std::vector<std::vector<int64_t>> alone(8), together(8);
  for (int k = 0; k < 8; ++k)
    ASSERT_EQ(generate(k, alone[k]), "");
  std::vector<std::string> errors(8);
  std::vector<std::thread> threads;
  for (int k = 0; k < 8; ++k)
    threads.emplace_back([&, k] { errors[k] = generate(k, together[k]); });
  for (std::thread &t : threads)
    t.join();
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(errors[k], "") << "thread " << k;
    EXPECT_EQ(together[k], alone[k]) << "thread " << k;
  }
}

TEST_F(GenerationApi, EightThreadsGenerateWhatOneDoes) {
  expectThreadsGenerateWhatOneDoes(*seed->model);
}

// On a GPU the runs are serialized (one queue), the states' caches device
// memory taken under the same lock.
TEST(GenerationVulkan, EightThreadsGenerateWhatOneDoes) {
  Compiled c(Family{"seed-api", "examples/seed_transformer.xf", kSeedSmall,
                    true},
             "vulkan");
  ASSERT_TRUE(c.model);
  SKIP_WITHOUT_DEVICE(*c.model);
  expectThreadsGenerateWhatOneDoes(*c.model);
}

} // namespace
