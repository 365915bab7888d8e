//===- Runtime.cpp - The xfc runtime C API --------------------------------===//
//
// Loads a compiled library (its ABI version first, then its manifest),
// binds its parameters from a safetensors file (read into a huge-page
// arena, or used where the file is mapped), checks caller
// tensors against the manifest and calls the generated entry functions
// through the uniform entry ABI of xf/abi.h.
//
//===----------------------------------------------------------------------===//

#include "xf/runtime.h"
#include "runtime/src/Model.h"
#include "runtime/io/Safetensors.h"
#include "runtime/src/CpuFeatures.h"
#include "runtime/src/Gpu.h"
#include "runtime/src/HostAlloc.h"
#include "runtime/src/Manifest.h"
#include "runtime/src/Parallel.h"
#include "runtime/src/WeightArena.h"
#include "runtime/src/Weights.h"
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <sys/stat.h>

using namespace xf::rt;

namespace {

/// A weights file that cannot be opened is not found; one that opens but
/// does not parse is malformed.
xf_status_code_t weightsCode(const char *path) {
  struct stat st;
  return ::stat(path, &st) == 0 && S_ISREG(st.st_mode)
             ? XF_STATUS_INVALID_FORMAT
             : XF_STATUS_NOT_FOUND;
}

/// A memref descriptor of a given rank, as 64-bit words.
struct Descriptor {
  std::vector<int64_t> words;
  Descriptor(const void *data, const std::vector<int64_t> &shape) {
    size_t rank = shape.size();
    words.assign(3 + 2 * rank, 0);
    words[0] = reinterpret_cast<int64_t>(data);
    words[1] = reinterpret_cast<int64_t>(data);
    int64_t stride = 1;
    for (size_t k = rank; k-- > 0;) {
      words[3 + k] = shape[k];
      words[3 + rank + k] = stride;
      stride *= shape[k];
    }
  }
  explicit Descriptor(size_t rank) : words(3 + 2 * rank, 0) {}
};

std::string shapeText(const int64_t *shape, size_t rank) {
  std::string s = "[";
  for (size_t k = 0; k < rank; ++k)
    s += (k ? ", " : "") +
         (shape[k] < 0 ? std::string("?") : std::to_string(shape[k]));
  return s + "]";
}

/// Bytes of a tensor of `shape` with `elt`-byte elements.
size_t tensorBytes(const int64_t *shape, size_t rank, size_t elt) {
  size_t n = elt;
  for (size_t k = 0; k < rank; ++k)
    n *= static_cast<size_t>(shape[k]);
  return n;
}

/// A run of a GPU library: serialized per model (one stream / queue), the
/// device current on this thread, the library's generated code bound to the
/// backend; at the end the inputs' device copies are freed and the backend
/// synced (which also drops errors of a run that failed before its call).
struct GpuRun {
  const xf_model &model;
  std::lock_guard<std::mutex> lock;
  std::vector<void *> inputs;

  explicit GpuRun(const xf_model &model) : model(model), lock(model.gpuMutex) {
    model.gpu->activate();
    model.bindGpu(model.gpu.get());
  }
  ~GpuRun() {
    for (void *p : inputs)
      model.gpu->free(p);
    std::string ignored;
    model.gpu->sync(ignored);
    model.bindGpu(nullptr);
  }
};

} // namespace

void *xf::rt::allocDevice(const xf_model &model, size_t bytes) {
  std::lock_guard<std::mutex> lock(model.gpuMutex);
  model.gpu->activate();
  return model.gpu->alloc(bytes);
}

void xf::rt::freeDevice(const xf_model &model, void *block) {
  std::lock_guard<std::mutex> lock(model.gpuMutex);
  model.gpu->activate();
  model.gpu->free(block);
}

extern "C" {

xf_status_code_t xf_status_code(const xf_status *status) {
  return status ? status->code : XF_STATUS_OK;
}

const char *xf_status_code_name(xf_status_code_t code) {
  switch (code) {
  case XF_STATUS_OK:
    return "ok";
  case XF_STATUS_INVALID_ARGUMENT:
    return "invalid argument";
  case XF_STATUS_NOT_FOUND:
    return "not found";
  case XF_STATUS_INVALID_FORMAT:
    return "invalid format";
  case XF_STATUS_ABI_MISMATCH:
    return "ABI mismatch";
  case XF_STATUS_UNSUPPORTED_CPU:
    return "unsupported CPU";
  case XF_STATUS_NO_DEVICE:
    return "no device";
  case XF_STATUS_DEVICE_ERROR:
    return "device error";
  case XF_STATUS_OUT_OF_MEMORY:
    return "out of memory";
  case XF_STATUS_INTERNAL:
    return "internal error";
  }
  return "unknown status code";
}

const char *xf_status_message(const xf_status *status) {
  return status ? status->message.c_str() : "ok";
}

void xf_status_free(xf_status *status) { delete status; }

xf_status *xf_model_load(const char *libraryPath, const char *weightsPath,
                         xf_model **outModel) {
  return xf_model_load_on_device(libraryPath, weightsPath, 0, outModel);
}

const char *xf_model_target(const xf_model *model) {
  return model ? model->target.c_str() : "";
}

xf_status *xf_model_load_on_device(const char *libraryPath,
                                   const char *weightsPath, int device,
                                   xf_model **outModel) {
  if (!libraryPath || !weightsPath || !outModel)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_load: null argument");
  *outModel = nullptr;
  // Where a CPU library's weights go (below): an arena of huge pages where
  // the kernel has them, unless $XF_WEIGHTS says `mapped` (or `resident`:
  // an arena even in small pages). Checked before anything is opened.
  bool resident = transparentHugePages();
  if (const char *setting = std::getenv("XF_WEIGHTS")) {
    std::string placement = setting;
    if (placement != "resident" && placement != "mapped")
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        "XF_WEIGHTS must be 'resident' or 'mapped', found '" +
                            placement + "'");
    resident = placement == "resident";
  }
  auto model = std::make_unique<xf_model>();
  // RTLD_LOCAL: several models (each with its own runtime copy) can coexist.
  model->library = dlopen(libraryPath, RTLD_NOW | RTLD_LOCAL);
  if (!model->library)
    return makeStatus(XF_STATUS_NOT_FOUND,
                      std::string("cannot load library: ") + dlerror());
  // The ABI version before anything else: a library of another version may
  // lay out its manifest and symbols differently.
  auto manifest =
      static_cast<const char *>(dlsym(model->library, XF_SYM_MANIFEST));
  if (!manifest)
    return makeStatus(XF_STATUS_INVALID_FORMAT,
                      std::string(libraryPath) +
                          ": not an xfc library (no " XF_SYM_MANIFEST
                          " symbol)");
  auto abiVersion =
      static_cast<const uint32_t *>(dlsym(model->library, XF_SYM_ABI_VERSION));
  uint32_t version = abiVersion ? *abiVersion : 0;
  if (version != XF_ABI_VERSION)
    return makeStatus(
        XF_STATUS_ABI_MISMATCH,
        std::string(libraryPath) + ": built for xfc ABI version " +
            std::to_string(version) + ", but this runtime reads ABI version " +
            std::to_string(XF_ABI_VERSION) +
            " (recompile the model with this xfc)");
  model->manifestText = manifest;
  model->setThreads = reinterpret_cast<void (*)(int32_t)>(
      dlsym(model->library, XF_SYM_SET_THREADS));
  model->kernelError = reinterpret_cast<const char *(*)()>(
      dlsym(model->library, XF_SYM_KERNEL_ERROR));
  model->profileSlots = reinterpret_cast<int64_t (*)[3]>(
      dlsym(model->library, XF_SYM_PROFILE_SLOTS));
  model->profileTrace = reinterpret_cast<void (*)(int32_t)>(
      dlsym(model->library, XF_SYM_PROFILE_TRACE));
  model->profileTraceEvents =
      reinterpret_cast<size_t (*)(xf_profile_event *, size_t)>(
          dlsym(model->library, XF_SYM_PROFILE_TRACE_EVENTS));
  if (auto names = static_cast<const char *>(
          dlsym(model->library, XF_SYM_PROFILE_NAMES)))
    model->profileRegions = xf::rt::parseProfileNames(names);
  model->hostFree =
      reinterpret_cast<HostFreeFn>(dlsym(model->library, XF_SYM_HOST_FREE));
  if (!model->hostFree)
    return makeStatus(XF_STATUS_INVALID_FORMAT,
                      std::string(libraryPath) +
                          ": malformed xfc library (no " XF_SYM_HOST_FREE
                          " symbol)");
  std::string error;
  if (!parseManifest(model->manifestText, model->manifest, error))
    return makeStatus(XF_STATUS_INVALID_FORMAT,
                      std::string(libraryPath) + ": " + error);
  // Before anything runs its code: a missing instruction set would stop
  // the process on an illegal instruction.
  std::vector<std::string> missing =
      missingCpuFeatures(model->manifest.cpuFeatures);
  if (!missing.empty()) {
    std::string names;
    for (const std::string &m : missing)
      names += (names.empty() ? "" : ", ") + m;
    return makeStatus(
        XF_STATUS_UNSUPPORTED_CPU,
        std::string(libraryPath) + ": compiled for CPU '" +
            model->manifest.cpu + "', needs " + names +
            ", which this CPU lacks (recompile with xfc --cpu=host "
            "on this machine, or a --cpu whose features it has)");
  }
  model->weights = SafetensorsFile::open(weightsPath, error);
  if (!model->weights)
    return makeStatus(weightsCode(weightsPath), error);

  // A GPU library: start its backend and load the kernels.
  if (auto api =
          static_cast<const char *>(dlsym(model->library, XF_SYM_GPU_API))) {
    model->target = api;
    auto binary = dlsym(model->library, XF_SYM_GPU_BINARY);
    auto size = static_cast<const int64_t *>(
        dlsym(model->library, XF_SYM_GPU_BINARY_SIZE));
    auto table =
        static_cast<const char *>(dlsym(model->library, XF_SYM_GPU_KERNELS));
    std::vector<KernelSpec> kernels;
    model->bindGpu =
        reinterpret_cast<BindFn>(dlsym(model->library, XF_SYM_GPU_BIND));
    if (!binary || !size || !table || !model->bindGpu ||
        !parseKernelTable(table, kernels, error))
      return makeStatus(XF_STATUS_INVALID_FORMAT,
                        std::string(libraryPath) + ": malformed GPU library" +
                            (error.empty() ? "" : ": " + error));
    if (model->target == XF_TARGET_CUDA)
      model->gpu = createCudaBackend(device, error);
    else if (model->target == XF_TARGET_VULKAN)
      model->gpu = createVulkanBackend(device, error);
    else
      return makeStatus(XF_STATUS_INVALID_FORMAT, std::string(libraryPath) +
                                                      ": unknown GPU API '" +
                                                      model->target + "'");
    if (!model->gpu)
      return makeStatus(XF_STATUS_NO_DEVICE, error);
    if (!model->gpu->loadModule(binary, *size, kernels, error))
      return makeStatus(XF_STATUS_DEVICE_ERROR, error);
  }

  // A CPU library reads its weights into the arena (small pages of its own
  // stream no faster than the file's, hence not by default without huge
  // pages); GPU libraries upload them once from the mapping. The arena
  // holds every tensor as stored and the copies converted from it (bf16
  // and i8 are smaller than the f32 they come from), each with its tail.
  if (resident && !model->gpu) {
    size_t bytes = 0;
    for (const TensorEntry &t : model->weights->tensors())
      bytes += 2 * t.bytes + 3 * (XF_PARAM_TAIL_BYTES + 64);
    model->weightArena = WeightArena::reserve(bytes);
  }
  // i8 weights first: binding one binds its scales, which the manifest
  // lists as an f32 parameter of their own.
  model->binder = std::make_unique<WeightBinder>(*model->weights,
                                                 model->weightArena.get());
  for (bool int8Pass : {true, false})
    for (const EntrySpec &spec : model->manifest.entries) {
      BoundEntry &entry = model->entries[spec.name];
      if (int8Pass) {
        entry.spec = &spec;
        for (const ValueSpec &in : spec.inputs)
          entry.inputNames.push_back(in.name.c_str());
        entry.fn = reinterpret_cast<EntryFn>(
            dlsym(model->library, spec.symbol.c_str()));
        if (!entry.fn)
          return makeStatus(XF_STATUS_INVALID_FORMAT,
                            std::string(libraryPath) + ": missing symbol " +
                                spec.symbol);
        entry.params.assign(spec.params.size(), nullptr);
      }
      for (size_t i = 0; i < spec.params.size(); ++i) {
        const ParamSpec &p = spec.params[i];
        if ((p.dtype == XF_DTYPE_I8) != int8Pass)
          continue;
        if (model->gpu && p.dtype != XF_DTYPE_F32)
          return makeStatus(XF_STATUS_INVALID_FORMAT,
                            std::string(libraryPath) + ": parameter '" +
                                p.name + "' is " + p.dtype +
                                " (GPU libraries take f32 weights)");
        bool notFound = false;
        const void *data = model->binder->bind(p, error, notFound);
        if (!data)
          return makeStatus(notFound ? XF_STATUS_NOT_FOUND
                                     : XF_STATUS_INVALID_FORMAT,
                            error);
        if (model->gpu) { // uploaded once
          auto [it, fresh] = model->deviceParams.insert({data, nullptr});
          if (fresh) {
            size_t bytes =
                tensorBytes(p.shape.data(), p.shape.size(), sizeof(float));
            it->second = model->gpu->alloc(bytes);
            if (!it->second)
              return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                                "out of device memory for parameter '" +
                                    p.name + "'");
            model->gpu->upload(it->second, data, bytes);
          }
          data = it->second;
        }
        entry.params[i] = data;
      }
    }
  model->unusedWeights = model->binder->unusedTensors();
  *outModel = model.release();
  return nullptr;
}

void xf_model_free(xf_model *model) { delete model; }

const char *xf_model_manifest(const xf_model *model) {
  return model ? model->manifestText.c_str() : "";
}

const char *xf_model_unused_weights(const xf_model *model) {
  return model ? model->unusedWeights.c_str() : "";
}

size_t xf_model_copied_weight_bytes(const xf_model *model) {
  return model && model->binder ? model->binder->copiedBytes : 0;
}

size_t xf_model_resident_weight_bytes(const xf_model *model) {
  return model && model->binder ? model->binder->residentBytes : 0;
}

xf_status *xf_model_set_threads(xf_model *model, int threads) {
  if (!model)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_set_threads: null model");
  if (threads < 0)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "threads must be 0 (all cores) or positive, found " +
                          std::to_string(threads));
  model->threads = threads;
  return nullptr;
}

xf_status *xf_model_entry_inputs(const xf_model *model, const char *entryName,
                                 const char *const **outNames,
                                 size_t *outCount) {
  if (!model || !entryName || !outNames || !outCount)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_entry_inputs: null argument");
  auto it = model->entries.find(entryName);
  if (it == model->entries.end())
    return makeStatus(XF_STATUS_NOT_FOUND,
                      std::string("unknown entry point '") + entryName + "'");
  *outNames = it->second.inputNames.data();
  *outCount = it->second.inputNames.size();
  return nullptr;
}

xf_status *xf_model_run(const xf_model *model, const char *entryName,
                        const xf_tensor *inputs, size_t numInputs,
                        xf_tensor *outOutput) {
  if (!model || !entryName || !outOutput || (numInputs && !inputs))
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_run: null argument");
  auto it = model->entries.find(entryName);
  if (it == model->entries.end()) {
    std::string known;
    for (const auto &e : model->entries)
      known += (known.empty() ? "" : ", ") + e.first;
    return makeStatus(XF_STATUS_NOT_FOUND,
                      std::string("unknown entry point '") + entryName +
                          "' (the model has " + known + ")");
  }
  const BoundEntry &entry = it->second;
  const EntrySpec &spec = *entry.spec;
  for (const ValueSpec &in : spec.inputs)
    if (in.state)
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        "entry '" + spec.name +
                            "' keeps its key/value caches in a generation "
                            "state: run it through xf_generation_create and "
                            "xf_generation_append");
  if (numInputs != spec.inputs.size())
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "entry '" + spec.name + "' takes " +
                          std::to_string(spec.inputs.size()) + " inputs, " +
                          std::to_string(numInputs) + " given");

  if (xf_status *bad = checkInputs(spec, inputs, numInputs))
    return bad;
  return callEntry(model, entry, inputs, numInputs, outOutput);
}

} // extern "C"

xf_status *xf::rt::checkInputs(const EntrySpec &spec, const xf_tensor *inputs,
                               size_t numInputs) {
  // 1. Check every input against the manifest; named dims must agree.
  std::map<std::string, std::pair<int64_t, std::string>> dimSizes;
  for (size_t i = 0; i < numInputs; ++i) {
    const ValueSpec &want = spec.inputs[i];
    const xf_tensor &t = inputs[i];
    std::string expected = std::string(want.isFloat ? "f32 " : "int64 ") +
                           shapeText(want.shape.data(), want.shape.size());
    if (t.rank != static_cast<int32_t>(want.shape.size()) ||
        (t.dtype == XF_F32) != want.isFloat)
      return makeStatus(
          XF_STATUS_INVALID_ARGUMENT,
          "input '" + want.name + "': expected " + expected + ", found " +
              (t.dtype == XF_F32 ? "f32 " : "int64 ") +
              shapeText(t.shape,
                        t.rank > 0 && t.rank <= XF_MAX_RANK ? t.rank : 0));
    for (int32_t k = 0; k < t.rank; ++k) {
      if (t.shape[k] <= 0)
        return makeStatus(
            XF_STATUS_INVALID_ARGUMENT,
            "input '" + want.name + "': dim " + std::to_string(k) +
                (want.dims[k].empty() ? "" : " (" + want.dims[k] + ")") +
                " is " + std::to_string(t.shape[k]) + ", expected at least 1");
      if (want.shape[k] >= 0 && t.shape[k] != want.shape[k])
        return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                          "input '" + want.name + "': expected " + expected +
                              ", found " + shapeText(t.shape, t.rank));
      const std::string &dim = want.dims[k];
      if (dim.empty())
        continue;
      auto [pos, fresh] = dimSizes.insert({dim, {t.shape[k], want.name}});
      if (!fresh && pos->second.first != t.shape[k])
        return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                          "input '" + want.name + "': " + dim + " is " +
                              std::to_string(t.shape[k]) + " but input '" +
                              pos->second.second + "' has " + dim + " " +
                              std::to_string(pos->second.first));
    }
    if (!t.data)
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        "input '" + want.name + "': data is NULL");
    if (want.maxLen > 0 && t.shape[1] > want.maxLen)
      return makeStatus(
          XF_STATUS_INVALID_ARGUMENT,
          "input '" + want.name + "' has length " + std::to_string(t.shape[1]) +
              ", more than max_len = " + std::to_string(want.maxLen));
    if (want.vocab > 0) {
      const int64_t *ids = static_cast<const int64_t *>(t.data);
      int64_t n = t.shape[0] * t.shape[1];
      for (int64_t k = 0; k < n; ++k)
        if (ids[k] < 0 || ids[k] >= want.vocab)
          return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                            "input '" + want.name + "': token id " +
                                std::to_string(ids[k]) + " at [" +
                                std::to_string(k / t.shape[1]) + ", " +
                                std::to_string(k % t.shape[1]) +
                                "] is outside the vocabulary (0.." +
                                std::to_string(want.vocab - 1) + ")");
    }
  }

  return nullptr;
}

xf_status *xf::rt::callEntry(const xf_model *model, const BoundEntry &entry,
                             const xf_tensor *inputs, size_t numInputs,
                             xf_tensor *outOutput) {
  const EntrySpec &spec = *entry.spec;
  // 2. Descriptors: result, inputs, parameters. GPU libraries get device
  //    copies of the inputs but the state.
  std::optional<GpuRun> gpuRun;
  if (model->gpu)
    gpuRun.emplace(*model);
  std::vector<Descriptor> descs;
  descs.reserve(1 + numInputs + entry.params.size());
  descs.emplace_back(spec.output.shape.size());
  std::set<const void *> borrowed;
  for (size_t i = 0; i < numInputs; ++i) {
    const xf_tensor &t = inputs[i];
    const void *data = t.data;
    // A state input (a generation cache) is device memory already, updated
    // in place.
    if (gpuRun && !spec.inputs[i].state) {
      size_t bytes = tensorBytes(
          t.shape, t.rank, t.dtype == XF_F32 ? sizeof(float) : sizeof(int64_t));
      void *device = model->gpu->alloc(bytes);
      if (!device)
        return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                          "out of device memory for input '" +
                              spec.inputs[i].name + "'");
      model->gpu->upload(device, t.data, bytes);
      gpuRun->inputs.push_back(device);
      data = device;
    }
    descs.emplace_back(data, std::vector<int64_t>(t.shape, t.shape + t.rank));
    borrowed.insert(data);
  }
  for (size_t p = 0; p < entry.params.size(); ++p) {
    descs.emplace_back(entry.params[p], spec.params[p].shape);
    borrowed.insert(entry.params[p]);
  }
  std::vector<void *> args;
  for (Descriptor &d : descs)
    args.push_back(d.words.data());

  // 3. Call (GPU: then wait for the kernels), then hand the result to the
  //    caller: a CPU library's own block when the result is a whole one
  //    (HostAlloc blocks are malloc blocks), else a copy in a new malloc
  //    block (device memory, a view into a larger buffer, an input or a
  //    parameter, a constant).
  //    The pool's thread count is per calling thread: set it on every run.
  if (model->setThreads)
    model->setThreads(model->threads);
  entry.fn(args.data());
  const std::vector<int64_t> &r = descs[0].words;
  size_t elt = spec.output.isFloat ? sizeof(float) : sizeof(int64_t);
  void *allocated = reinterpret_cast<void *>(r[0]);
  const char *aligned = reinterpret_cast<const char *>(r[1]) + r[2] * elt;
  // Not when the result is an input, a parameter or a global constant (MLIR
  // marks the latter's allocated pointer 0xdeadbeef).
  bool owned = !borrowed.count(allocated) && !borrowed.count(aligned) &&
               allocated != reinterpret_cast<void *>(0xdeadbeef);
  auto release = [&]() {
    if (!owned)
      return;
    if (gpuRun)
      model->gpu->free(allocated);
    else
      model->hostFree(allocated);
  };
  std::string error;
  if (const char *failure = model->kernelError ? model->kernelError() : nullptr) {
    release();
    return makeStatus(XF_STATUS_INTERNAL, "running '" + spec.name +
                                              "': a kernel failed: " + failure);
  }
  if (gpuRun && !model->gpu->sync(error)) {
    release();
    return makeStatus(XF_STATUS_DEVICE_ERROR, "running '" + spec.name +
                                                  "' on the " + model->target +
                                                  " device: " + error);
  }
  size_t rank = spec.output.shape.size();
  xf_tensor out{};
  out.dtype = spec.output.isFloat ? XF_F32 : XF_I64;
  out.rank = static_cast<int32_t>(rank);
  for (size_t k = 0; k < rank; ++k)
    out.shape[k] = r[3 + k];
  size_t bytes = tensorBytes(out.shape, rank, elt);
  if (owned && !gpuRun && aligned == allocated) {
    out.data = allocated; // the caller's now
  } else {
    out.data = std::malloc(bytes > 0 ? bytes : 1);
    if (out.data && gpuRun && owned) { // device memory of this run
      if (!model->gpu->download(out.data, aligned, bytes, error)) {
        std::free(out.data);
        release();
        return makeStatus(XF_STATUS_DEVICE_ERROR,
                          "copying the output of '" + spec.name +
                              "' from the " + model->target +
                              " device: " + error);
      }
    } else if (out.data) {
      std::memcpy(out.data, aligned, bytes);
    }
    release();
  }
  if (!out.data)
    return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                      "out of memory for the output of '" + spec.name + "'");
  *outOutput = out;
  return nullptr;
}

