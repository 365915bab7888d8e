//===- Model.h - A loaded library, as the runtime's files share it -*- C++ -*-===//
//
// The status and model objects behind the C API's opaque types, and the
// checked call of an entry that xf_model_run and the generation state
// (Generation.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_MODEL_H
#define XF_RUNTIME_SRC_MODEL_H

#include "runtime/io/Safetensors.h"
#include "runtime/src/Gpu.h"
#include "runtime/src/HostAlloc.h"
#include "runtime/src/Manifest.h"
#include "runtime/src/Weights.h"
#include "xf/runtime.h"
#include <dlfcn.h>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct xf_status {
  xf_status_code_t code;
  std::string message;
};

namespace xf::rt {

inline xf_status *makeStatus(xf_status_code_t code, std::string message) {
  return new xf_status{code, std::move(message)};
}

using EntryFn = void (*)(void **);

/// One entry point, ready to call: its spec, function and bound parameters.
struct BoundEntry {
  const EntrySpec *spec = nullptr;
  EntryFn fn = nullptr;
  std::vector<const char *> inputNames;
  std::vector<const void *> params;
};

/// Checks `inputs` against an entry's manifest: dtypes, shapes (named
/// dims agree), token ids below the vocabulary, lengths up to max_len.
xf_status *checkInputs(const EntrySpec &spec, const xf_tensor *inputs,
                       size_t numInputs);

/// Calls a bound entry on checked inputs (in the manifest's order, state
/// inputs included); *out gets a new malloc'ed output.
xf_status *callEntry(const xf_model *model, const BoundEntry &entry,
                     const xf_tensor *inputs, size_t numInputs,
                     xf_tensor *out);

/// GPU libraries: device memory that outlives a run (a generation state's
/// caches), taken and given back under the model's lock with its device
/// current.
void *allocDevice(const xf_model &model, size_t bytes);

/// The lines of a --profile library's xf_profile_names: class, ops,
/// location (Profile.cpp).
std::vector<std::array<std::string, 3>> parseProfileNames(const char *names);
void freeDevice(const xf_model &model, void *block);

} // namespace xf::rt

struct xf_model {
  void *library = nullptr;
  std::string manifestText, unusedWeights;
  xf::rt::Manifest manifest;
  std::unique_ptr<xf::rt::SafetensorsFile> weights;
  /// CPU libraries: the memory the weights are read into (null: they are
  /// read where the file is mapped; $XF_WEIGHTS).
  std::unique_ptr<xf::rt::WeightArena> weightArena;
  /// The parameters' host buffers (resident, mapped, converted or
  /// quantized).
  std::unique_ptr<xf::rt::WeightBinder> binder;
  /// GPU libraries: each host parameter buffer's device copy.
  std::map<const void *, void *> deviceParams;
  std::map<std::string, xf::rt::BoundEntry> entries;
  void (*setThreads)(int32_t) = nullptr; ///< the library's pool's (CPU)
  const char *(*kernelError)() = nullptr; ///< xf_kernel_error (CPU)
  /// --profile libraries: xf_profile_slots and xf_profile_names (abi.h).
  int64_t (*profileSlots)[3] = nullptr;
  void (*profileTrace)(int32_t) = nullptr; ///< xf_profile_trace
  size_t (*profileTraceEvents)(xf_profile_event *, size_t) = nullptr;
  /// Their descriptions (class, ops, location) parsed from xf_profile_names.
  std::vector<std::array<std::string, 3>> profileRegions;
  int threads = 0;
  std::string target = XF_TARGET_CPU;
  /// GPU libraries: the backend (weights live in its memory) and the lock
  /// that serializes runs on its one stream / queue.
  std::unique_ptr<xf::rt::GpuBackend> gpu;
  xf::rt::BindFn bindGpu = nullptr;      ///< the library's xf_gpu_bind
  xf::rt::HostFreeFn hostFree = nullptr; ///< the library's xf_host_free
  mutable std::mutex gpuMutex;

  ~xf_model() {
    gpu.reset(); // before the library and the mapping go
    if (library)
      dlclose(library);
  }
};

#endif // XF_RUNTIME_SRC_MODEL_H
