#!/usr/bin/env python3
"""Plots GOPS per shape for lowbit, XNNPACK and oneDNN from the GEMM or
convolution benchmark's JSON (--benchmark_out): one grouped bar chart per
thread count, rendered by gnuplot to PNG. Medians are used where the run has
repetitions.

  scripts/plot_bench.py build/release/gemm_bench.json [out.png] [title]
"""
import json
import os
import subprocess
import sys

IMPLS = [("lowbit", "lowbit"), ("xnnpack_qs8_fc", "XNNPACK qs8 FC"),
         ("xnnpack_qc8_conv1x1", "XNNPACK qc8 conv1x1"),
         ("onednn_matmul", "oneDNN matmul"),
         ("lowbit_int4", "lowbit int4 weights"),
         ("xnnpack_f32_fc", "XNNPACK f32 FC"),
         ("onednn_f32_matmul", "oneDNN f32 matmul"),
         ("xnnpack_qs8", "XNNPACK qs8 conv"),
         ("xnnpack_qc8", "XNNPACK qc8 conv"),
         ("onednn_conv", "oneDNN int8 conv")]


def load(path):
    with open(path) as f:
        runs = json.load(f)["benchmarks"]
    gops = {}  # (impl, shape, threads) -> GOPS; medians win over single runs
    median = set()
    for r in runs:
        if r.get("error_occurred") or "items_per_second" not in r:
            continue
        is_median = r.get("run_type") == "aggregate" and \
            r.get("aggregate_name") == "median"
        if r.get("run_type") == "aggregate" and not is_median:
            continue
        impl, shape, threads = r["run_name"].split("/")[:3]
        key = (impl, shape, int(threads.split(":")[1]))
        if is_median or key not in median:
            gops[key] = r["items_per_second"] / 1e9
        if is_median:
            median.add(key)
    return gops


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    src = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.splitext(src)[0] + ".png"
    title = sys.argv[3] if len(sys.argv) > 3 else "int8 GEMM"
    gops = load(src)
    shapes = []
    # Shapes in the order the benchmark ran them.
    with open(src) as f:
        for r in json.load(f)["benchmarks"]:
            shape = r["run_name"].split("/")[1]
            if shape not in shapes:
                shapes.append(shape)
    threads = sorted({t for _, _, t in gops})
    impls = [(i, label) for i, label in IMPLS
             if any(k[0] == i for k in gops)]
    dat = os.path.splitext(out)[0] + ".dat"
    with open(dat, "w") as f:
        for t in threads:
            f.write("# threads=%d\nshape %s\n" %
                    (t, " ".join('"%s"' % label for _, label in impls)))
            for s in shapes:
                f.write("%s %s\n" % (s, " ".join(
                    "%.1f" % gops.get((i, s, t), 0.0) for i, _ in impls)))
            f.write("\n\n")
    plots = []
    for b, t in enumerate(threads):
        cols = ", ".join(
            "'%s' index %d using %d:xtic(1) title columnheader(%d)" %
            (dat, b, c + 2, c + 2) for c in range(len(impls)))
        plots.append("set title '%s, %d thread%s (higher is better)'\n"
                     "plot %s\n" % (title, t, "" if t == 1 else "s", cols))
    script = """
set terminal pngcairo size 1400,%d font ',10'
set output '%s'
set multiplot layout %d,1
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set ylabel 'GOPS (2 * MACs / s)'
set xtics rotate by -30
set grid ytics
set key top right
%s
unset multiplot
""" % (450 * len(threads), out, len(threads), "".join(plots))
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    print("plot: %s (data %s)" % (out, dat))


if __name__ == "__main__":
    main()
