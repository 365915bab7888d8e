//===- xf-quantize.cpp - Writes a library's weights in its precision ------===//
//
// `xf-quantize OUT/ --weights IN.safetensors -o OUT.safetensors` reads the
// manifest of a library compiled with `xfc --precision=bf16|int8` and
// writes its weights as that library reads them (docs/precision.md): each
// bf16 parameter as BF16, each i8 one as I8 plus its F32 `<name>.scale`,
// everything else as it was. A name an f32 parameter also reads (a tied
// embedding) stays F32 (the library quantizes it at load). The library
// then loads the file with no conversion but the i8 offset. Exit status: 0
// success, 1 a user error (one `error:` line).
//
//===----------------------------------------------------------------------===//

#include "runtime/io/Json.h"
#include "runtime/io/Quantize.h"
#include "runtime/io/Safetensors.h"
#include "tools/Flags.h"
#include "tools/RunTools.h"
#include "xf/abi.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include <map>
#include <set>

namespace cl = llvm::cl;

static cl::OptionCategory category("xf-quantize options");
static cl::opt<std::string> dir(cl::Positional, cl::cat(category),
                                cl::desc("<OUT/>"), cl::Required);
static cl::opt<std::string> weights("weights", cl::cat(category),
                                    cl::desc("The weights (.safetensors)"),
                                    cl::Required);
static cl::opt<std::string> output("o", cl::cat(category),
                                   cl::desc("The file to write"),
                                   cl::value_desc("FILE"), cl::Required);

static int fail(const std::string &message) {
  llvm::errs() << "xf-quantize: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  if (!xf::tools::parseFlags(argc, argv, category,
                             "xf-quantize: write a library's weights in its "
                             "precision\n"))
    return 1;
  std::string library = xf::tools::findLibrary(dir);
  if (library.empty())
    return fail("'" + dir + "' is not a compiled directory (no lib*.so)");
  // OUT/lib<model>.so → OUT/<model>.json
  size_t slash = library.rfind('/');
  std::string manifestPath = library.substr(0, slash + 1) +
                             library.substr(slash + 4, library.size() -
                                                           slash - 7) +
                             ".json";
  auto text = llvm::MemoryBuffer::getFile(manifestPath);
  if (!text)
    return fail("cannot read '" + manifestPath + "'");
  xf::rt::Json manifest;
  std::string error;
  if (!xf::rt::parseJson((*text)->getBufferStart(), (*text)->getBufferEnd(),
                         manifest, error))
    return fail(manifestPath + ": " + error);
  // The dtypes each name is read in, its shape, and whether the file
  // stores it transposed (XF_KEY_LAYOUT).
  std::map<std::string, std::set<std::string>> dtypes;
  std::map<std::string, std::vector<int64_t>> shapes;
  std::set<std::string> transposed;
  const xf::rt::Json *entries = manifest.get(XF_KEY_ENTRIES);
  if (!entries || entries->kind != xf::rt::Json::Array)
    return fail(manifestPath + ": no entries");
  for (const xf::rt::Json &e : entries->array) {
    const xf::rt::Json *params = e.get(XF_KEY_PARAMS);
    for (size_t i = 0; params && i < params->array.size(); ++i) {
      const xf::rt::Json &p = params->array[i];
      const xf::rt::Json *name = p.get(XF_KEY_NAME), *shape = p.get(XF_KEY_SHAPE),
                         *dtype = p.get(XF_KEY_DTYPE),
                         *layout = p.get(XF_KEY_LAYOUT);
      if (!name || !shape)
        return fail(manifestPath + ": malformed parameter");
      dtypes[name->string].insert(dtype ? dtype->string : XF_DTYPE_F32);
      std::vector<int64_t> dims;
      for (const xf::rt::Json &d : shape->array)
        dims.push_back(d.asInt());
      shapes[name->string] = dims;
      if (layout && layout->string == XF_LAYOUT_TRANSPOSED && dims.size() == 2)
        transposed.insert(name->string);
    }
  }
  auto file = xf::rt::SafetensorsFile::open(weights, error);
  if (!file)
    return fail(error);

  std::vector<xf::rt::TensorBytes> wide, narrow; // 4-byte types first
  std::set<std::string> written;
  int int8 = 0, bf16 = 0;
  auto bytesOf = [](const auto &v) {
    return std::string(reinterpret_cast<const char *>(v.data()),
                       v.size() * sizeof(v[0]));
  };
  for (const auto &[name, kinds] : dtypes) {
    bool reduced = !kinds.count(XF_DTYPE_F32);
    const xf::rt::TensorEntry *t = file->find(name);
    if (!reduced || !t || t->dtype == "I8")
      continue; // as it was, below (a missing one fails at load, named)
    const std::vector<int64_t> &shape = shapes[name];
    const bool isTransposed = transposed.count(name);
    std::vector<float> values;
    if (kinds.count(XF_DTYPE_I8)) {
      // I8 weights are xfc's own format: always [out, in] rows.
      if (!file->readF32(name, shape, values, error, isTransposed))
        return fail(error);
      std::vector<int8_t> q(values.size());
      std::vector<float> scales(shape[0]);
      xf::rt::quantizeRows(values.data(), shape[0], shape[1], q.data(),
                           scales.data());
      narrow.push_back({name, "I8", shape, bytesOf(q)});
      std::string scaleName = name + XF_PARAM_SCALE_SUFFIX;
      wide.push_back({scaleName, "F32", {shape[0]}, bytesOf(scales)});
      written.insert(scaleName);
      ++int8;
    } else {
      // BF16 keeps the layout the file has (the loader transposes it).
      std::vector<int64_t> stored = shape;
      if (isTransposed)
        std::swap(stored[0], stored[1]);
      if (!file->readF32(name, stored, values, error))
        return fail(error);
      std::vector<uint16_t> halves;
      for (float v : values)
        halves.push_back(xf::rt::toBf16(v));
      narrow.push_back({name, "BF16", stored, bytesOf(halves)});
      ++bf16;
    }
    written.insert(name);
  }
  size_t before = 0;
  for (const xf::rt::TensorEntry &t : file->tensors()) {
    before += t.bytes;
    if (written.count(t.name))
      continue;
    std::string bytes(reinterpret_cast<const char *>(t.data), t.bytes);
    (t.dtype == "F32" || t.dtype == "I32" || t.dtype == "F64" ||
             t.dtype == "I64"
         ? wide
         : narrow)
        .push_back({t.name, t.dtype, t.shape, std::move(bytes)});
  }
  wide.insert(wide.end(), narrow.begin(), narrow.end());
  if (!xf::rt::writeSafetensors(output, wide, error))
    return fail(error);
  size_t after = 0;
  for (const xf::rt::TensorBytes &t : wide)
    after += t.bytes.size();
  llvm::outs() << "xf-quantize: wrote " << output << ": " << int8
               << " int8 weights (with scales), " << bf16
               << " bf16 weights, " << (wide.size() - int8 * 2 - bf16)
               << " other tensors as they were; "
               << llvm::format("%.1f", after / 1e6) << " MB (from "
               << llvm::format("%.1f", before / 1e6) << " MB)\n";
  return 0;
}
