#!/usr/bin/env python3
"""Prints the innermost loop of a microkernel from its disassembly: the
shortest backward branch whose body contains the given instruction, with the
instruction mix. For reading the hot loop of kernels that cannot be timed
(ARM under qemu), or checking a build for spills and copies.

  scripts/inner_loop.py OBJDUMP OBJECT FUNCTION_SUBSTRING INSTRUCTION
  e.g. scripts/inner_loop.py aarch64-linux-gnu-objdump \\
         build/aarch64/CMakeFiles/lowbit.dir/arch/arm/q8_gemm_8x8c8_neoni8mm.cc.o \\
         'Run<8ul, 2ul>' smmla
"""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    objdump, obj, function, key = sys.argv[1:]
    text = subprocess.run([objdump, "-d", "--no-show-raw-insn", "-C", obj],
                          check=True, capture_output=True, text=True).stdout
    body, inside = [], False
    for line in text.splitlines():
        if re.match(r"^[0-9a-f]+ <", line):
            inside = function in line
        elif inside and re.match(r"\s+[0-9a-f]+:\t", line):
            body.append(line)
    addr = [int(l.split(":")[0], 16) for l in body]
    loops = []
    for i, line in enumerate(body):
        m = re.search(r"\t(?:b|j)[\w.]*\s+([0-9a-f]+) <", line)
        if m and int(m.group(1), 16) < addr[i]:
            start = int(m.group(1), 16)
            loop = [l for a, l in zip(addr, body) if start <= a <= addr[i]]
            if any(l.split("\t")[1].startswith(key) for l in loop):
                loops.append(loop)
    if not loops:
        sys.exit("no loop with %s in %s" % (key, function))
    loop = min(loops, key=len)
    mix = {}
    for l in loop:
        op = l.split("\t")[1].split()[0]
        mix[op] = mix.get(op, 0) + 1
    print("%d instructions, %d %s" % (
        len(loop), sum(v for k, v in mix.items() if k.startswith(key)), key))
    print("  " + ", ".join("%s %d" % kv for kv in
                           sorted(mix.items(), key=lambda kv: -kv[1])))
    print("\n".join(loop))


if __name__ == "__main__":
    main()
