#!/usr/bin/env python3
"""Checks that xfc's dependencies point down: every #include "..." of a
source file and every Xf* library a CMake target links must go to its own
component or to one the table below allows. Prints one line per violation
(file:line: what is wrong) and exits 1 if there is any.

  check_layering.py [--root DIR]     check the tree at DIR (default: repo)
  check_layering.py --diagram        print the dependency diagram the
                                     README shows (made from the table)

tests/ and bench/ may use everything and are not checked.
"""
import argparse
import os
import re
import sys

# Component -> the components it may use directly. Order: bottom up.
ALLOWED = {
    "runtime/include": [],
    "runtime/io": [],
    "runtime/src": ["runtime/include", "runtime/io"],
    "frontend/AST": [],
    "frontend/Parse": ["frontend/AST"],
    "frontend/HF": ["runtime/io"],
    "halide": [],
    "dialect/IR": [],
    "dialect/Interpreter": ["dialect/IR"],
    "frontend/MLIRGen": ["frontend/AST", "dialect/IR"],
    "passes": ["dialect/IR"],
    "codegen": ["dialect/IR", "runtime/include"],
    "compiler": ["frontend/AST", "frontend/Parse", "frontend/HF",
                 "frontend/MLIRGen",
                 "dialect/IR", "passes", "codegen", "runtime/include"],
    "tools": ["compiler", "frontend/AST", "frontend/Parse", "frontend/HF",
              "frontend/MLIRGen", "dialect/IR", "dialect/Interpreter",
              "passes", "runtime/include", "runtime/io", "runtime/src",
              "halide"],
}
# What no other component may include, whatever the table says: a
# component's private sources. (tools link runtime/src's archive, but
# include only its public header.)
PRIVATE = ["runtime/src/"]
NOT_CHECKED = ("tests/", "bench/", "build", ".git", "examples/", "docs/")


def component(path):
    """The component a repository-relative path belongs to, or None."""
    if path.startswith("xf/"):  # the runtime's public headers, by their
        return "runtime/include"  # include path
    for c in sorted(ALLOWED, key=len, reverse=True):
        if path == c or path.startswith(c + "/"):
            return c
    return None


def checked_dirs(root):
    """(directory relative to root, its file names) for every checked
    directory, top down."""
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir == ".":
            rel_dir = ""
        if rel_dir.startswith(NOT_CHECKED):
            dirnames[:] = []
            continue
        yield rel_dir, sorted(filenames)


def check_includes(root, errors):
    include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
    for rel_dir, filenames in checked_dirs(root):
        for name in filenames:
            if not name.endswith((".cpp", ".h", ".c", ".inc")):
                continue
            rel = os.path.join(rel_dir, name)
            src = component(rel)
            if src is None:
                continue
            with open(os.path.join(root, rel), errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = include.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    dst = component(target)
                    if dst is None or dst == src:
                        continue
                    if any(target.startswith(p) for p in PRIVATE) and \
                            src != component(target):
                        errors.append(f"{rel}:{lineno}: {src} includes "
                                      f"{target}, another component's "
                                      "private source")
                    elif dst not in ALLOWED[src]:
                        errors.append(f"{rel}:{lineno}: {src} may not "
                                      f"include {target} ({dst}; {src} may "
                                      f"use: {', '.join(ALLOWED[src]) or 'nothing'})")


def check_links(root, errors):
    """Maps each Xf* CMake target to the component of its sources (or its
    directory), then checks every Xf* library it links."""
    targets, links = {}, []
    define = re.compile(r"add_(?:library|executable)\(\s*([\w-]+)\s*([^)]*)\)",
                        re.S)
    link = re.compile(r"target_link_libraries\(\s*([\w-]+)([^)]*)\)", re.S)
    for rel_dir, filenames in checked_dirs(root):
        if "CMakeLists.txt" not in filenames:
            continue
        rel = os.path.join(rel_dir, "CMakeLists.txt")
        text = open(os.path.join(root, rel)).read()
        for m in define.finditer(text):
            sources = [s for s in m.group(2).split()
                       if s.endswith((".cpp", ".c"))]
            where = os.path.join(rel_dir, sources[0]) if sources else rel_dir
            if rel_dir == "runtime" and "INTERFACE" in m.group(2):
                where = "runtime/include"
            targets[m.group(1)] = component(where)
        for m in link.finditer(text):
            lineno = text[:m.start()].count("\n") + 1
            for dep in re.findall(r"\bXf\w+", m.group(2)):
                links.append((rel, lineno, m.group(1), dep))
    for rel, lineno, target, dep in links:
        src, dst = targets.get(target), targets.get(dep)
        if src is None or dst is None or src == dst:
            continue
        if dst not in ALLOWED[src]:
            errors.append(f"{rel}:{lineno}: {target} ({src}) may not link "
                          f"{dep} ({dst})")


def diagram():
    """The README's dependency diagram: each component and what it uses."""
    lines = []
    width = max(len(c) for c in ALLOWED)
    for c, deps in ALLOWED.items():
        lines.append(f"{c:<{width}}  -> {', '.join(deps) if deps else '(nothing of ours)'}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), ".."))
    parser.add_argument("--diagram", action="store_true")
    args = parser.parse_args()
    if args.diagram:
        print(diagram())
        return 0
    errors = []
    check_includes(args.root, errors)
    check_links(args.root, errors)
    for e in errors:
        print(e)
    if errors:
        print(f"layering: {len(errors)} violation(s)")
        return 1
    print("layering: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
