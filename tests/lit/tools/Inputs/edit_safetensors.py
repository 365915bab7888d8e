"""Copies a safetensors file with one tensor dropped (--drop NAME) or its
2-D shape swapped (--reshape NAME), for tests of the loader's errors.

  edit_safetensors.py IN OUT (--drop | --reshape) NAME
"""
import json
import struct
import sys

src, dst, how, name = sys.argv[1:5]
with open(src, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
if how == "--drop":
    del header[name]
else:
    header[name]["shape"] = header[name]["shape"][::-1]
text = json.dumps(header).encode()
text += b" " * ((8 - len(text) % 8) % 8)
with open(dst, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
