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
 * its entry points use from `weights_path` (safetensors; F16/BF16 are
 * converted). A CPU library reads its weights into memory of its own in
 * transparent huge pages, where the kernel has them; with the environment
 * variable XF_WEIGHTS=mapped (or without huge pages, or a GPU library) F32
 * tensors are read where the file is memory-mapped, not copied
 * (XF_WEIGHTS=resident copies them even into small pages; any other value
 * fails the load). Fails, naming the
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

/* Bytes of weights the load had to transform: packed into the kernels'
 * layout (a weight stored transposed), converted to f32, or to bf16/i8 for
 * reduced precision. The rest is used as stored. 0 for a null model. */
XF_API size_t xf_model_copied_weight_bytes(const xf_model *model);

/* Bytes of weights used as stored that the load read into the model's own
 * memory (see xf_model_load; 0 when they are read where the file is
 * mapped, and for a null model). */
XF_API size_t xf_model_resident_weight_bytes(const xf_model *model);

/* One timed kernel of a library compiled with `xfc --profile` (CPU): its
 * op class (linear, attention, norm, elementwise, embedding, cache, data,
 * other), the xf ops it came from ("xf.matmul,xf.add"), the description
 * line ("model.xf:12:3"), and since load or the last reset its calls,
 * total nanoseconds and floating-point operations (2·M·N·K per call of a
 * linear layer's kernel; 0 where not counted), summed over every thread
 * that ran the model. The strings live as long as the model. */
typedef struct xf_profile_region {
  const char *op_class;
  const char *ops;
  const char *location;
  uint64_t calls;
  uint64_t nanoseconds;
  uint64_t flops;
} xf_profile_region;

/* The model's timed kernels in program order: fills the first
 * min(capacity, *count) of `regions` (which may be NULL when capacity is
 * 0) and sets *count to their number. A library compiled without
 * --profile is XF_STATUS_INVALID_ARGUMENT, saying so. */
XF_API xf_status *xf_model_profile(const xf_model *model,
                                   xf_profile_region *regions,
                                   size_t capacity, size_t *count);

/* Zeroes a --profile model's counters (call it between runs, not during
 * one); the same errors as xf_model_profile. */
XF_API xf_status *xf_model_profile_reset(xf_model *model);

/* One timed kernel call of a trace: the index of its region (as
 * xf_model_profile orders them), a small number per calling thread, and
 * its start and end on CLOCK_MONOTONIC, in nanoseconds. */
typedef struct xf_profile_event {
  int32_t region;
  int32_t thread;
  int64_t start_ns;
  int64_t end_ns;
} xf_profile_event;

/* Starts (enable != 0; what an earlier trace recorded is dropped) or stops
 * recording every kernel call of a --profile model, up to 2^20 calls; the
 * same errors as xf_model_profile. */
XF_API xf_status *xf_model_profile_trace(xf_model *model, int enable);

/* The calls recorded: fills the first min(capacity, *count) of `events`
 * (NULL when capacity is 0) in the order they ended, sets *count. */
XF_API xf_status *xf_model_profile_events(const xf_model *model,
                                          xf_profile_event *events,
                                          size_t capacity, size_t *count);

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

/*--- Generation -----------------------------------------------------------*/

/* A generation state: the key/value caches of `batch` sequences of up to
 * `capacity` tokens each, with each row's length, for a model whose
 * description has a `generate` section (any target; a GPU
 * library's caches are device memory). Owned by the
 * caller; bound to the model it was created from (which must outlive it).
 * One model serves any number of states; each state is used by one thread
 * at a time. A call that fails leaves the state as it was. */
typedef struct xf_generation xf_generation;

/* The description's start and end tokens (-1: none) and pad id, for
 * xf_generation_greedy; fails on a library without generation entries. */
XF_API xf_status *xf_model_generation_tokens(const xf_model *model,
                                             int64_t *out_start,
                                             int64_t *out_end,
                                             int64_t *out_pad);

/* Creates a state with every row empty. Fails on a library without
 * generation entries, batch < 1, capacity < 1, or a capacity beyond the
 * model's max_len. */
XF_API xf_status *xf_generation_create(const xf_model *model, int64_t batch,
                                       int64_t capacity,
                                       xf_generation **out_state);
/* Releases the state; NULL is allowed. */
XF_API void xf_generation_free(xf_generation *state);
/* Empties every row (and forgets the encoded source); the caches are kept
 * for reuse. */
XF_API void xf_generation_reset(xf_generation *state);
/* The length of each of the batch rows (owned by the state). */
XF_API const int64_t *xf_generation_lengths(const xf_generation *state);

/* Encoder-decoder models: encodes `source` (int64 [batch, S], S <=
 * capacity) once; its keys and values serve every later step. Resets the
 * rows. */
XF_API xf_status *xf_generation_encode(xf_generation *state,
                                       const xf_tensor *source);

/* Appends `ids` (int64 [batch, T]) to the rows: a prompt (prefill) or the
 * next token (T = 1). Row b takes its first counts[b] tokens (0..T; the
 * rest are padding it ignores); counts NULL means T for every row. Writes
 * the logits of all T positions, f32 [batch, T, vocab], to *out_logits (a
 * new malloc'ed tensor). Fails, naming the row, when a row's length + T
 * exceeds the capacity. */
XF_API xf_status *xf_generation_append(xf_generation *state,
                                       const xf_tensor *ids,
                                       const int64_t *counts,
                                       xf_tensor *out_logits);

/* Greedy decoding of up to `max_new` tokens per row into *out_ids (int64
 * [batch, max_new], malloc'ed). Starts from `prompt` (int64 [batch, P],
 * row b's first prompt_lengths[b] >= 1 tokens; lengths NULL = P), or, when
 * prompt is NULL, from the token `start` (encoder-decoder models: after
 * xf_generation_encode). A row stops after emitting `end` (-1: never);
 * its remaining ids are `pad`. Appends to the state's rows. */
XF_API xf_status *xf_generation_greedy(xf_generation *state,
                                       const xf_tensor *prompt,
                                       const int64_t *prompt_lengths,
                                       int64_t start, int64_t end, int64_t pad,
                                       int64_t max_new, xf_tensor *out_ids);

/* How xf_generation_sample picks a token from a row's logits: softmax of
 * logits / temperature (> 0) over the top_k most likely tokens (0: all),
 * then over the fewest most likely ones whose probabilities reach top_p
 * (in (0, 1]; 1: all), drawn with a generator seeded by `seed` and the
 * row's index: the same seed, model and inputs give the same tokens. */
typedef struct xf_sampling {
  float temperature;
  int64_t top_k;
  float top_p;
  uint64_t seed;
} xf_sampling;

/* As xf_generation_greedy, each token sampled as `sampling` says instead
 * of the most likely one (top_k = 1 is greedy). */
XF_API xf_status *xf_generation_sample(xf_generation *state,
                                       const xf_tensor *prompt,
                                       const int64_t *prompt_lengths,
                                       int64_t start, int64_t end, int64_t pad,
                                       int64_t max_new,
                                       const xf_sampling *sampling,
                                       xf_tensor *out_ids);

#ifdef __cplusplus
}
#endif

#endif /* XF_RUNTIME_H */
