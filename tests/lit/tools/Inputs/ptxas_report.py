"""Assembles a PTX file with `ptxas -v` and prints one line per kernel:
registers, stack frame, spill stores and loads. Exits 1 if ptxas fails or
any kernel spills.

  python3 ptxas_report.py PTXAS FILE.ptx sm_80
"""
import re
import subprocess
import sys


def main():
    ptxas, path, arch = sys.argv[1:4]
    run = subprocess.run([ptxas, "-v", f"-arch={arch}", path, "-o", "/dev/null"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr)
        sys.exit(1)
    kernels, current, spills = {}, None, 0
    for line in run.stderr.splitlines():
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            current = m.group(1)
            kernels[current] = {}
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current:
            kernels[current].update(stack=int(m.group(1)), spill_st=int(m.group(2)),
                                    spill_ld=int(m.group(3)))
            spills += int(m.group(2)) + int(m.group(3))
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            kernels[current]["registers"] = int(m.group(1))
    for name, k in sorted(kernels.items()):
        print(f"kernel {name} registers {k.get('registers', 0)} stack {k.get('stack', 0)} "
              f"spills {k.get('spill_st', 0) + k.get('spill_ld', 0)}")
    print(f"{arch}: {len(kernels)} kernels, {spills} bytes spilled")
    sys.exit(1 if spills or not kernels else 0)


if __name__ == "__main__":
    main()
