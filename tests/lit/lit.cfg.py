# lit configuration of the xfc lit suites (tests/lit/{dialect,passes,codegen,frontend}).
import os
import sys

import lit.formats

config.name = "xfc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "expect-exit.sh"]
config.test_source_root = os.path.join(config.xf_src_root, "tests/lit")
config.test_exec_root = os.path.join(config.xf_obj_root, "tests/lit")

# Built tools first, then FileCheck/not/split-file from LLVM 22.
tool_dirs = [os.path.join(config.xf_obj_root, "bin")]
path = os.pathsep.join(tool_dirs + [config.llvm_tools_dir, config.environment.get("PATH", os.environ["PATH"])])
config.environment["PATH"] = path
config.substitutions.append(("%xf_src", config.xf_src_root))
# `%cc` builds a C program against a generated library; in a sanitizer
# build the library's runtime is instrumented, so the program links the
# sanitizer runtime too (the C++ driver: UBSan's type checks need the C++
# library).
config.substitutions.append(
    ("%cc", "clang++-19 -fsanitize=" + config.xf_sanitize + " -x c"
     if config.xf_sanitize else "cc"))
config.substitutions.append(("%python", sys.executable))
# `%expect_exit N cmd ...` runs cmd with stderr merged and checks its status.
config.substitutions.append(
    ("%expect_exit", os.path.join(config.xf_src_root, "tests/lit/expect-exit.sh")))

# CUDA's ptxas validates the PTX xfc emits; tests needing it are
# UNSUPPORTED (skipped, with the feature named) where it is absent.
# XF_REQUIRE_PTXAS=1 (CI, whose machines have the toolkit) makes its
# absence an error instead.
ptxas = os.environ.get("XF_PTXAS", "/usr/local/cuda/bin/ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%{ptxas}", ptxas))
elif os.environ.get("XF_REQUIRE_PTXAS"):
    lit_config.fatal("XF_REQUIRE_PTXAS is set but %s does not exist" % ptxas)
for var in ("XF_REQUIRE_VULKAN", "XF_REQUIRE_PTXAS", "ASAN_OPTIONS",
            "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS",
            "ASAN_SYMBOLIZER_PATH"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

# A CPU without AVX512-VP2INTERSECT (most; Tiger Lake has it) refuses a
# library compiled with --cpu=tigerlake.
try:
    with open("/proc/cpuinfo") as f:
        if "avx512_vp2intersect" not in f.read():
            config.available_features.add("no-vp2intersect")
except OSError:
    pass
