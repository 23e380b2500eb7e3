#!/usr/bin/env python3
"""Copies ONNX Runtime Java's JNI library, re-pointed at another ONNX Runtime release's native library.

    python retarget_jni.py JNI_SO OUT_SO 1.29.0 1.30.0

Diagnosis only (the parity bench's version check): the JNI glue of ONNX Runtime Java 1.29.0 asks the
dynamic linker for `OrtGetApiBase@VERS_1.29.0`; a 1.30.0 library exports the same function under
`VERS_1.30.0` and still serves API version 29 (the C API is append-only), so renaming the one version
requirement (its name in .dynstr and its ELF hash in .gnu.version_r) lets the Java binding run on the newer
native library. Same-length names only; the script refuses anything it cannot patch exactly once.
"""
import struct
import sys


def elf_hash(name):
    h = 0
    for c in name:
        h = (h << 4) + c
        g = h & 0xF0000000
        if g:
            h ^= g >> 24
        h &= ~g
    return h & 0xFFFFFFFF


def main(src, dst, old_version, new_version):
    old, new = f"VERS_{old_version}".encode(), f"VERS_{new_version}".encode()
    if len(old) != len(new):
        sys.exit("the two version names must have the same length")
    data = bytearray(open(src, "rb").read())
    for a, b in ((old + b"\0", new + b"\0"), (struct.pack("<I", elf_hash(old)), struct.pack("<I", elf_hash(new)))):
        if data.count(a) != 1:
            sys.exit(f"{src}: expected exactly one {a!r}, found {data.count(a)}")
        data = data.replace(a, b)
    open(dst, "wb").write(data)


if __name__ == "__main__":
    main(*sys.argv[1:5])
