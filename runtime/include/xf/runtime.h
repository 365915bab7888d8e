/*===- xf/runtime.h - The xfc runtime C API ------------------------------===*
 *
 * Loads a library compiled by `xfc`, binds its weights from a safetensors
 * file and runs its entry points on caller tensors. Plain C, no C++ types.
 *
 * Conventions: every fallible call returns an `xf_status *`; NULL means
 * success, anything else carries a code and a message and must be freed
 * with xf_status_free. Out-parameters are named `out_...`. Nothing in the
 * runtime calls exit or abort on bad input. What a library and the runtime
 * agree on (symbols, manifest, ABI version) is in xf/abi.h.
 *
 * Thread safety: a loaded model is read-only; xf_model_run may be called on
 * the same model from any number of threads at once. xf_model_load,
 * xf_model_set_threads and xf_model_free must not race with runs on the
 * same model. Parallel loops inside a run use the library's own thread
 * pool; runs from several threads at once share its workers.
 *
 *===---------------------------------------------------------------------===*/

#ifndef XF_RUNTIME_H
#define XF_RUNTIME_H

#include "xf/abi.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XF_API __attribute__((visibility("default")))
#define XF_MAX_RANK 8

/*--- Status ---------------------------------------------------------------*/

typedef struct xf_status xf_status;

/* What kind of failure a status is; callers branch on the code, not on the
 * message's text. */
typedef enum xf_status_code_t {
  XF_STATUS_OK = 0,               /* success (the code of a NULL status) */
  XF_STATUS_INVALID_ARGUMENT = 1, /* a NULL pointer, an input of the wrong
                                     dtype/shape, a token id outside the
                                     vocabulary, a bad thread count */
  XF_STATUS_NOT_FOUND = 2,        /* a file that cannot be opened, an unknown
                                     entry point, a tensor missing from the
                                     weights */
  XF_STATUS_INVALID_FORMAT = 3,   /* a file that is not what it should be: not
                                     an xfc library, a malformed manifest or
                                     safetensors file, a weight of the wrong
                                     shape or dtype */
  XF_STATUS_ABI_MISMATCH = 4,     /* a library of another XF_ABI_VERSION */
  XF_STATUS_UNSUPPORTED_CPU = 5,  /* the library needs instruction sets this
                                     CPU lacks */
  XF_STATUS_NO_DEVICE = 6,        /* a GPU library without a usable driver or
                                     device */
  XF_STATUS_DEVICE_ERROR = 7,     /* the GPU failed while running */
  XF_STATUS_OUT_OF_MEMORY = 8,    /* host or device memory exhausted */
  XF_STATUS_INTERNAL = 9          /* a bug in xfc or its runtime */
} xf_status_code_t;

/* The code of a status; XF_STATUS_OK for NULL. */
XF_API xf_status_code_t xf_status_code(const xf_status *status);
/* The name of a code, e.g. "invalid argument". */
XF_API const char *xf_status_code_name(xf_status_code_t code);
/* The message of a failed call (never NULL for a non-NULL status). */
XF_API const char *xf_status_message(const xf_status *status);
/* Frees a status; NULL is allowed. */
XF_API void xf_status_free(xf_status *status);

/*--- Tensors --------------------------------------------------------------*/

typedef enum xf_dtype { XF_F32 = 0, XF_I64 = 1 } xf_dtype;

/* A dense, row-major view of caller memory. The runtime never frees `data`
 * of inputs; outputs are allocated by the runtime with malloc and owned by
 * the caller afterwards (release them with free). */
typedef struct xf_tensor {
  xf_dtype dtype;
  int32_t rank;
  int64_t shape[XF_MAX_RANK];
  void *data;
} xf_tensor;

/*--- Models ---------------------------------------------------------------*/

typedef struct xf_model xf_model;

/* Loads `library_path` (a lib<model>.so from xfc) and binds every parameter
 * its entry points use from `weights_path` (safetensors; F32 tensors are
 * memory-mapped, not copied; F16/BF16 are converted). Fails, naming the
 * tensor, on a missing tensor, a shape or dtype mismatch or a malformed
 * file; fails, naming them, when the library was compiled for instruction
 * sets this CPU lacks (xfc --cpu). On success *out_model owns the library
 * and the mapping. */
XF_API xf_status *xf_model_load(const char *library_path,
                                const char *weights_path, xf_model **out_model);

/* Like xf_model_load, choosing the device for a library compiled with
 * --target=cuda or --target=vulkan: `device` is the CUDA device ordinal or
 * the index among Vulkan physical devices (xf_model_load uses 0; CPU
 * libraries ignore it). The device's driver is opened here (libcuda.so.1,
 * libvulkan.so.1); where there is none the status says so. Weights are
 * uploaded once, here. */
XF_API xf_status *xf_model_load_on_device(const char *library_path,
                                          const char *weights_path, int device,
                                          xf_model **out_model);

/* The target the library was compiled for: "cpu", "cuda" or "vulkan". */
XF_API const char *xf_model_target(const xf_model *model);

/* Releases the model; NULL is allowed. */
XF_API void xf_model_free(xf_model *model);

/* The manifest, as JSON: entry points with their inputs and output (dtype,
 * shape, dynamic dims named) and parameters (name, shape). Owned by the
 * model. */
XF_API const char *xf_model_manifest(const xf_model *model);

/* Tensors in the weights file that no entry point uses (one per line, or
 * the empty string). Owned by the model. */
XF_API const char *xf_model_unused_weights(const xf_model *model);

/* Sets how many threads this model's parallel loops use in runs started
 * from now on, by any thread (0: one per CPU the process may run on, the
 * default). Runs at the same time share the pool's workers, so a run may
 * get fewer; the results do not depend on the count. */
XF_API xf_status *xf_model_set_threads(xf_model *model, int threads);

/* The input names of `entry`, in order: *out_names (owned by the model)
 * gets *out_count names. */
XF_API xf_status *xf_model_entry_inputs(const xf_model *model,
                                        const char *entry,
                                        const char *const **out_names,
                                        size_t *out_count);

/* Runs `entry` on `inputs` (in the manifest's order). Shapes, dtypes, token
 * ids (< vocabulary) and lengths (<= max_len) are checked first; a mismatch
 * returns a status naming the input and what was expected. On success
 * *out_output describes a new malloc'ed tensor the caller owns. */
XF_API xf_status *xf_model_run(const xf_model *model, const char *entry,
                               const xf_tensor *inputs, size_t num_inputs,
                               xf_tensor *out_output);

#ifdef __cplusplus
}
#endif

#endif /* XF_RUNTIME_H */
