#!/usr/bin/env python3
"""compare_npy.py GOT.npy REF.npy TOL: prints max|a-b| / (max|ref| + 1e-6) of
two float32 .npy arrays of the same shape and exits 1 if it exceeds TOL.
Standard library only, so tests and the main job need no NumPy."""
import ast
import struct
import sys


def load(path):
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:6] != b"\x93NUMPY":
        sys.exit(f"{path}: not a .npy file")
    if blob[6] == 1:
        n, start = struct.unpack("<H", blob[8:10])[0], 10
    else:
        n, start = struct.unpack("<I", blob[8:12])[0], 12
    header = ast.literal_eval(blob[start:start + n].decode("latin1"))
    if header["descr"] != "<f4" or header["fortran_order"]:
        sys.exit(f"{path}: expected a C-order float32 array")
    data = blob[start + n:]
    return header["shape"], struct.unpack("<%df" % (len(data) // 4), data)


def main():
    (gs, got), (rs, ref) = load(sys.argv[1]), load(sys.argv[2])
    tol = float(sys.argv[3])
    if gs != rs:
        sys.exit(f"shape {gs} differs from the reference {rs}")
    err = max(abs(a - b) for a, b in zip(got, ref)) / (max(abs(r) for r in ref) + 1e-6)
    print(f"shape {gs}: max|a-b|/max|ref| = {err:.3g} (tolerance {tol:g})")
    sys.exit(0 if err <= tol else 1)


if __name__ == "__main__":
    main()
