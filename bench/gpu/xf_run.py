#!/usr/bin/env python3
"""Runs an xfc library through the runtime C API with ctypes (numpy only),
for GPU machines where xfc's own tools (which need LLVM 22) are not
installed: the library is self-contained. Prints one JSON line: output
shape, error against a reference (if given), median/min ms over --reps.

  python3 bench/gpu/xf_run.py OUT/ --weights W.safetensors \
      --input src=src.npy --input tgt=tgt.npy [--reference ref.npy] \
      [--entry forward] [--device 0] [--reps 20] [--output out.npy]
"""
import argparse
import ctypes
import glob
import json
import os
import time

import numpy as np

MAX_RANK = 8


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_int32),
                ("shape", ctypes.c_int64 * MAX_RANK), ("data", ctypes.c_void_p)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--reference")
    ap.add_argument("--output", help="save the result as .npy")
    ap.add_argument("--entry", default="forward")
    ap.add_argument("--device", type=int, default=0)
    ap.add_argument("--reps", type=int, default=0)
    a = ap.parse_args()

    lib_path = glob.glob(os.path.join(a.dir, "lib*.so"))[0]
    lib = ctypes.CDLL(lib_path)
    lib.xf_status_message.restype = ctypes.c_char_p
    lib.xf_model_target.restype = ctypes.c_char_p
    model = ctypes.c_void_p()

    def check(status):
        if status:
            raise SystemExit("error: " + lib.xf_status_message(ctypes.c_void_p(status)).decode())

    lib.xf_model_load_on_device.restype = ctypes.c_void_p
    check(lib.xf_model_load_on_device(lib_path.encode(), a.weights.encode(), a.device,
                                      ctypes.byref(model)))
    arrays = []
    for binding in a.input:
        name, path = binding.split("=", 1)
        arrays.append(np.ascontiguousarray(np.load(path)))
    tensors = (Tensor * len(arrays))()
    for t, arr in zip(tensors, arrays):
        t.dtype = 0 if arr.dtype == np.float32 else 1
        t.rank = arr.ndim
        for k, d in enumerate(arr.shape):
            t.shape[k] = d
        t.data = arr.ctypes.data
    out = Tensor()
    lib.xf_model_run.restype = ctypes.c_void_p

    def run():
        check(lib.xf_model_run(model, a.entry.encode(), tensors, len(arrays), ctypes.byref(out)))
        shape = tuple(out.shape[k] for k in range(out.rank))
        n = int(np.prod(shape))
        ctype = ctypes.c_float if out.dtype == 0 else ctypes.c_int64
        result = np.ctypeslib.as_array(ctypes.cast(out.data, ctypes.POINTER(ctype)), (n,))
        result = result.reshape(shape).copy()
        ctypes.CDLL(None).free(ctypes.c_void_p(out.data))
        return result

    result = run()  # also the warm-up
    report = {"target": lib.xf_model_target(model).decode(), "shape": list(result.shape)}
    if a.output:
        np.save(a.output, result)
    if a.reference:
        ref = np.load(a.reference)
        report["max_rel_err"] = float(np.abs(result - ref).max() / np.abs(ref).max())
    times = []
    for _ in range(a.reps):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1e3)
    if times:
        report["median_ms"] = round(float(np.median(times)), 3)
        report["min_ms"] = round(float(np.min(times)), 3)
    lib.xf_model_free(model)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
