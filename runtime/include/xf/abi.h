/*===- xf/abi.h - The contract between xfc and the runtime ---------------===*
 *
 * Everything a library compiled by xfc and the runtime that loads it must
 * agree on, in one place that both include: the symbols a library exports,
 * the keys of its manifest, the layout of its GPU kernel table and binary,
 * the instruction-set names a manifest may require, and the version of all
 * of it. Plain C, no LLVM or MLIR: the compiler and the runtime include the
 * same file, so a rename is one edit, and a library from another version is
 * refused at load with both versions named instead of failing in unknown
 * ways.
 *
 * Versioned as a schema: any change a runtime of the previous version would
 * misread (a symbol, a key's meaning, a layout, the entry calling
 * convention) bumps XF_ABI_VERSION. Adding an optional manifest key that
 * older runtimes may ignore does not.
 *
 *===---------------------------------------------------------------------===*/

#ifndef XF_ABI_H
#define XF_ABI_H

/* The ABI version every library records (symbol XF_SYM_ABI_VERSION, and
 * manifest key XF_KEY_ABI_VERSION) and the runtime checks before reading
 * anything else. Libraries from before the ABI was versioned have neither;
 * the runtime reports them as version 0. */
#define XF_ABI_VERSION 5

/*--- Symbols a library exports ---------------------------------------------*/

/* `const uint32_t xf_abi_version`: XF_ABI_VERSION when it was compiled. */
#define XF_SYM_ABI_VERSION "xf_abi_version"
/* `const char xf_manifest[]`: the manifest JSON, NUL-terminated. */
#define XF_SYM_MANIFEST "xf_manifest"
/* Entry trampolines: `void xf_entry_<name>(void **descriptors)`, where
 * descriptors[0] receives the result and descriptors[1..] are the inputs,
 * then the parameters, each an MLIR strided memref descriptor of 64-bit
 * words: {allocated, aligned, offset, sizes[rank], strides[rank]}. */
#define XF_SYM_ENTRY_PREFIX "xf_entry_"
/* `void *xf_host_alloc(size_t)` / `void xf_host_free(void *)`: the
 * allocator of the library's generated code; results are malloc blocks. */
#define XF_SYM_HOST_ALLOC "xf_host_alloc"
#define XF_SYM_HOST_FREE "xf_host_free"
/* `void xf_parallel_set_threads(int32_t)`: the team size of the calling
 * thread's parallel regions (0: one per CPU). */
#define XF_SYM_SET_THREADS "xf_parallel_set_threads"
/* `const char *xf_kernel_error(void)`: the message of a kernel that failed
 * since the last call (a Halide kernel's bounds or allocation error; the
 * runtime then fails the entry call), else NULL. Older runtimes ignore it. */
#define XF_SYM_KERNEL_ERROR "xf_kernel_error"

/* A library compiled with `xfc --profile` (CPU): `int64_t
 * xf_profile_slots[N][3]`, per timed region its nanoseconds, calls and
 * flops (linear layers; else 0), and `const char xf_profile_names[]`, one
 * line per region, "CLASS\tOPS\tLOC\n". Its generated code calls `int64_t
 * xf_profile_begin(void)` and `void xf_profile_end(int64_t start, int32_t
 * region, int64_t flops)` (defined by the runtime inside the library)
 * around each region. Older runtimes ignore them. */
#define XF_SYM_PROFILE_SLOTS "xf_profile_slots"
#define XF_SYM_PROFILE_NAMES "xf_profile_names"
#define XF_SYM_PROFILE_BEGIN "xf_profile_begin"
#define XF_SYM_PROFILE_END "xf_profile_end"
/* The trace of a --profile library's calls (runtime inside the library):
 * `void xf_profile_trace(int32_t on)` and `size_t
 * xf_profile_trace_events(xf_profile_event *out, size_t capacity)`. */
#define XF_SYM_PROFILE_TRACE "xf_profile_trace"
#define XF_SYM_PROFILE_TRACE_EVENTS "xf_profile_trace_events"

/* The thread-pool functions generated CPU code calls (defined by the
 * runtime inside the library; xfc renames LLVM's OpenMP runtime calls to
 * these). */
#define XF_SYM_PARALLEL_FORK "xf_parallel_fork"
#define XF_SYM_PARALLEL_FORK_IF "xf_parallel_fork_if"
#define XF_SYM_PARALLEL_THREAD_ID "xf_parallel_thread_id"
#define XF_SYM_PARALLEL_TEAM_SIZE "xf_parallel_team_size"
#define XF_SYM_PARALLEL_BARRIER "xf_parallel_barrier"
/* The most pointer arguments a forked region may take. */
#define XF_PARALLEL_MAX_FORK_ARGS 8

/* GPU libraries only. */
/* `const char xf_gpu_api[]`: XF_TARGET_CUDA or XF_TARGET_VULKAN. */
#define XF_SYM_GPU_API "xf_gpu_api"
/* `const char xf_gpu_binary[]` of `const int64_t xf_gpu_binary_size`
 * bytes: PTX text (CUDA) or the Vulkan blob below. */
#define XF_SYM_GPU_BINARY "xf_gpu_binary"
#define XF_SYM_GPU_BINARY_SIZE "xf_gpu_binary_size"
/* `const char xf_gpu_kernels[]`: the kernel table below. */
#define XF_SYM_GPU_KERNELS "xf_gpu_kernels"
/* `void xf_gpu_bind(backend *)`: makes a runtime backend the target of the
 * generated code's launches on the calling thread (NULL unbinds). */
#define XF_SYM_GPU_BIND "xf_gpu_bind"
/* `void xf_gpu_launch(int32_t kernel, index gx, gy, gz, bx, by, bz,
 * int64_t *args)`: called by generated host code; `kernel` indexes the
 * kernel table, `args` holds its operands' 64-bit words (below). */
#define XF_SYM_GPU_LAUNCH "xf_gpu_launch"

/*--- The GPU kernel table ---------------------------------------------------*
 * One line per kernel, in launch-index order: "<name>:<kinds>\n", one kind
 * character per operand. A buffer operand takes two words: its aligned
 * device address and its extent in bytes; the others one word that carries
 * the value (f32 as its bit pattern, i32 zero-extended). */
#define XF_KIND_BUFFER 'm'
#define XF_KIND_INDEX 'i'
#define XF_KIND_I64 'l'
#define XF_KIND_I32 'w'
#define XF_KIND_F32 'f'
#define XF_KINDS "milwf"

/*--- The Vulkan binary ------------------------------------------------------*
 * One SPIR-V module per kernel, concatenated; each is, in 32-bit
 * little-endian words: [name_words][name, NUL-padded to name_words * 4
 * bytes][code_words][SPIR-V code]. */

/*--- Manifest keys
 * ------------------------------------------------------------*
 * {"abi_version": 1, "model": "...", "target": "cpu", "cpu": "znver4",
 *  "cpu_features": ["avx2", ...],
 *  "entries": [{"name": "forward", "symbol": "xf_entry_forward",
 *               "inputs": [VALUE...], "output": VALUE,
 *               "params": [{"name": "...", "shape": [512, 512],
 *                           "dtype": "f32", "layout": "transposed"}...]}]}
 * (layout, optional: "transposed" when the file stores the parameter's
 * transpose, e.g. a GPT-2 Conv1D weight [in, out]; the runtime packs it
 * into the [out, in] shape given at load. Version 3.)
 * VALUE: {"name": "src", "dtype": "i64", "shape": [-1, -1],
 *         "dims": ["batch", "src_len"], "vocab": 6, "max_len": 5000}
 * (-1: a dynamic dim; equal dim names must agree at run time; vocab and
 * max_len only on token-id inputs.) */
#define XF_KEY_ABI_VERSION "abi_version"
#define XF_KEY_MODEL "model"
#define XF_KEY_TARGET "target"
#define XF_KEY_CPU "cpu"
#define XF_KEY_CPU_FEATURES "cpu_features"
#define XF_KEY_ENTRIES "entries"
#define XF_KEY_NAME "name"
#define XF_KEY_SYMBOL "symbol"
#define XF_KEY_INPUTS "inputs"
#define XF_KEY_OUTPUT "output"
#define XF_KEY_PARAMS "params"
#define XF_KEY_DTYPE "dtype"
#define XF_KEY_LAYOUT "layout"
#define XF_LAYOUT_TRANSPOSED "transposed"
#define XF_KEY_SHAPE "shape"
#define XF_KEY_DIMS "dims"
#define XF_KEY_VOCAB "vocab"
#define XF_KEY_MAX_LEN "max_len"

/* Generation (a description's `generate` section; CPU libraries only).
 * Entry XF_ENTRY_GENERATE_ENCODE (models with memory) maps the source's
 * tokens to the memory and fills the cross-attention caches; entry
 * XF_ENTRY_GENERATE_STEP maps new tokens, each row's cache length
 * (XF_INPUT_PAST, int64 [batch]) and, with memory, the source's tokens to
 * logits, appending the tokens' keys and values to the self-attention
 * caches. Their state inputs (XF_KEY_STATE: true on the VALUE) are caches
 * the runtime's generation state owns and the entries update in place:
 * keys [batch, kv_heads, d, capacity], values [batch, kv_heads, capacity,
 * d] (dim name XF_DIM_CAPACITY). The top-level XF_KEY_GENERATION object:
 * {"input": "tgt", "memory_ids": "src", "start": 6, "end": 7, "pad": 0,
 *  "vocab": 9, "max_len": 5000, "tokens": ["P", "i", ...]}; start/end -1:
 * none, memory_ids "": no memory, tokens (optional): the vocabulary's
 * spellings. */
#define XF_ENTRY_GENERATE_ENCODE "generate_encode"
#define XF_ENTRY_GENERATE_STEP "generate_step"
#define XF_INPUT_PAST "past"
#define XF_DIM_CAPACITY "capacity"
#define XF_KEY_STATE "state"
#define XF_KEY_GENERATION "generation"
#define XF_KEY_INPUT "input"
#define XF_KEY_MEMORY_IDS "memory_ids"
#define XF_KEY_START "start"
#define XF_KEY_END "end"
#define XF_KEY_PAD "pad"
#define XF_KEY_TOKENS "tokens"

/* Parameters in reduced precision (`xfc --precision`). A parameter's dtype
 * (XF_KEY_DTYPE on its manifest entry; version 1 had none: all f32) is f32,
 * bf16 (2-D: each value rounded to the nearest bf16) or i8 (2-D: each row
 * quantized symmetrically, q = roundeven(w * 127 / max|row|)). An i8
 * weight `w` comes with an f32 parameter `w` XF_PARAM_SCALE_SUFFIX of
 * shape [2, rows]: its rows' scales max|row| / 127, then its rows' sums
 * of q; a weights file may store the values and scales so (I8 and F32
 * [rows] tensors), else they are computed at load from its F32/F16/BF16
 * tensor; the sums are always computed at load. The entry receives an
 * i8 weight as unsigned bytes q + XF_PARAM_I8_OFFSET (the unsigned operand
 * of a u8 x s8 dot product), and
 * every bf16 or i8 weight buffer followed by XF_PARAM_TAIL_BYTES readable
 * bytes (kernels read a row's last partial group of 2 or 4 whole). */
#define XF_PARAM_SCALE_SUFFIX ".scale"
#define XF_PARAM_I8_OFFSET 128
#define XF_PARAM_TAIL_BYTES 64

/* Values of XF_KEY_TARGET and XF_KEY_DTYPE. */
#define XF_TARGET_CPU "cpu"
#define XF_TARGET_CUDA "cuda"
#define XF_TARGET_VULKAN "vulkan"
#define XF_DTYPE_F32 "f32"
#define XF_DTYPE_I64 "i64"
#define XF_DTYPE_BF16 "bf16"
#define XF_DTYPE_I8 "i8"

/*--- CPU features ---------------------------------------------------------*
 * The x86 instruction sets (LLVM's names) a manifest's cpu_features may
 * list, with where CPUID reports each: X(name, leaf, subleaf, register
 * ('a'..'d' for EAX..EDX), bit, register state the OS must save: 0 legacy,
 * 1 AVX (XCR0 bits 1-2), 2 AVX-512 (XCR0 bits 1-2 and 5-7)). xfc records
 * the ones its target CPU has; the runtime refuses a library needing one
 * this CPU lacks. */
#define XF_ABI_CPU_FEATURES(X)                                                 \
  X("popcnt", 1, 0, 'c', 23, 0)                                                \
  X("sse4.2", 1, 0, 'c', 20, 0)                                                \
  X("movbe", 1, 0, 'c', 22, 0)                                                 \
  X("lzcnt", 0x80000001, 0, 'c', 5, 0)                                         \
  X("bmi", 7, 0, 'b', 3, 0)                                                    \
  X("bmi2", 7, 0, 'b', 8, 0)                                                   \
  X("avx", 1, 0, 'c', 28, 1)                                                   \
  X("fma", 1, 0, 'c', 12, 1)                                                   \
  X("f16c", 1, 0, 'c', 29, 1)                                                  \
  X("avx2", 7, 0, 'b', 5, 1)                                                   \
  X("avxvnni", 7, 1, 'a', 4, 1)                                                \
  X("gfni", 7, 0, 'c', 8, 0)                                                   \
  X("vaes", 7, 0, 'c', 9, 1)                                                   \
  X("vpclmulqdq", 7, 0, 'c', 10, 1)                                            \
  X("avx512f", 7, 0, 'b', 16, 2)                                               \
  X("avx512dq", 7, 0, 'b', 17, 2)                                              \
  X("avx512ifma", 7, 0, 'b', 21, 2)                                            \
  X("avx512cd", 7, 0, 'b', 28, 2)                                              \
  X("avx512bw", 7, 0, 'b', 30, 2)                                              \
  X("avx512vl", 7, 0, 'b', 31, 2)                                              \
  X("avx512vbmi", 7, 0, 'c', 1, 2)                                             \
  X("avx512vbmi2", 7, 0, 'c', 6, 2)                                            \
  X("avx512vnni", 7, 0, 'c', 11, 2)                                            \
  X("avx512bitalg", 7, 0, 'c', 12, 2)                                          \
  X("avx512vpopcntdq", 7, 0, 'c', 14, 2)                                       \
  X("avx512vp2intersect", 7, 0, 'd', 8, 2)                                     \
  X("avx512fp16", 7, 0, 'd', 23, 2)                                            \
  X("avx512bf16", 7, 1, 'a', 5, 2)

#endif /* XF_ABI_H */
