#!/usr/bin/env python3
"""Cost model of data-parallel training step time for calla (docs/scaling.md).

    t_step(N) = t_compute(B/N) + t_comm(N)                     (no overlap)
    t_step(N) = t_fwd + max(t_bwd, t_comm*(k-1)/k) + t_comm/k  (gradient buckets overlapped with
                                                                backward; the last of k buckets
                                                                cannot be hidden)
    ZeRO-1:     t_fwd + max(t_bwd, t_rs*(k-1)/k) + t_rs/k + t_ag   (reduce-scatter overlapped,
                                                                    parameter all-gather exposed)
    ring all-reduce  t_ar = 2(N-1)/N * bytes / busbw + k * 2(N-1) * alpha
    reduce-scatter and all-gather: half of each term each.

Usage: python3 bench/scaling/model.py [--svg FILE] [--t0-ms X] > table.md
Plain python3, no packages. Every input is a constant below, with its source.
"""
import argparse
import math

# ---- models (parameter counts: docs/benchmarks.md, asserted against PyTorch) ----------------
PARAMS = {"clair3-pileup": 2_072_216, "clairvoyante": 1_631_496}

# ---- GPU assumptions (NO calla GPU measurement exists) ---------------------------------------
# Compute: the PyTorch H100 reference for Clair3 pileup training, batch 2000:
# 62,000 samples/s fp32, 139,000 samples/s bf16 (one GPU). Assumed split: backward = 2/3 of a
# step (training = 3 x forward FLOPs, docs/benchmarks.md). Assumed per-step fixed cost T0
# (kernel launches, small kernels, optimizer, host work) that does not shrink with the per-GPU
# batch: 1 ms by default (--t0-ms); the rest scales linearly with the rows.
GPU_RATE = {"fp32": 62_000.0, "bf16": 139_000.0}
GPU_REF_BATCH = 2000
# Interconnect: NCCL bus bandwidth ~370 GB/s all-reduce on 8 x H100 NVLink (one node); across
# nodes 46-48 GB/s per InfiniBand NDR NIC: 47 GB/s is used for N > 8 (conservative: what one NIC
# carries; NCCL rings spread over 8 rail-optimised NICs could approach 8 x 47 GB/s, see
# docs/scaling.md). Latency per ring step (assumed, typical NCCL small-message figures):
# 1.5 us over NVLink, 5 us per inter-node hop (hierarchical: 2(g-1) NVLink steps inside a node of
# g GPUs, 2(nodes-1) InfiniBand steps across nodes).
BUSBW_NVLINK = 370e9
BUSBW_IB = 47e9
ALPHA_NVLINK = 1.5e-6
ALPHA_IB = 5e-6
GPUS_PER_NODE = 8
BUCKET_BYTES_GPU = 1 << 20  # 1 MiB buckets on GPU (4 MiB makes bf16 Clair3 a single bucket)

# ---- CPU measurements used to validate the model (this 2-core machine) ------------------------
# docs/experiments.md, `bench/mpi/run.sh` 2026-11-28 06:20 UTC, quiet machine: global batch 256,
# one thread per rank. samples/s of 1 rank, 2 ranks, and two independent one-process trainers
# of 128 rows each run at the same time ("independent": the compute of 2 ranks, no comm).
CPU_MEASURED = {
    "clair3-pileup": {"one": 395.4, "two": 777.6, "indep": 696.2},
    "clairvoyante": {"one": 1648.4, "two": 2875.1, "indep": 3170.5},
}
CPU_BATCH = 256
# MPI_Allreduce over shared memory, 2 ranks, this machine (bench/scaling/allreduce.c,
# 2026-11-28 07:35 UTC): 8,288,864 B best 2.30 ms, median 2.56 ms; 6,525,984 B best 1.80 ms,
# median 2.89 ms; 4-byte latency 0.39 us. -> busbw 3.6 GB/s at these sizes.
CPU_AR_MEASURED = {"clair3-pileup": 2.56e-3, "clairvoyante": 2.89e-3}
CPU_BUSBW = 3.6e9
CPU_ALPHA = 0.4e-6
CPU_BUCKET_BYTES = 4 << 20  # calla's default --bucket-size (1 Mi floats)

NS = [1, 2, 4, 8, 16, 32, 64]
BATCHES = [500, 2000, 8000]


def busbw_alpha_steps(n):
    """(bus bandwidth, latency of one all-reduce) for n GPUs, 8 per node."""
    if n <= 1:
        return BUSBW_NVLINK, 0.0
    g = min(n, GPUS_PER_NODE)
    nodes = math.ceil(n / GPUS_PER_NODE)
    lat = 2 * (g - 1) * ALPHA_NVLINK + 2 * (nodes - 1) * ALPHA_IB
    return (BUSBW_NVLINK if nodes == 1 else BUSBW_IB), lat


def t_allreduce(nbytes, n, busbw, lat, k):
    if n <= 1:
        return 0.0
    return 2.0 * (n - 1) / n * nbytes / busbw + k * lat


def step_times(t_c, t_ar1, t_ark, k):
    """(no overlap, overlap, ZeRO-1) step times for compute t_c; t_ar1: one all-reduce of the
    whole gradient after backward, t_ark: the same bytes in k buckets (k latencies)."""
    t_f, t_b = t_c / 3.0, 2.0 * t_c / 3.0
    no = t_c + t_ar1
    ov = t_f + max(t_b, t_ark * (k - 1) / k) + t_ark / k
    rs, ag = t_ark / 2.0, t_ar1 / 2.0  # bucketed reduce-scatter; one all-gather of parameters
    z1 = t_f + max(t_b, rs * (k - 1) / k) + rs / k + ag
    return no, ov, z1


def gpu_compute(rows, prec, t0):
    rate = GPU_REF_BATCH / (GPU_REF_BATCH / GPU_RATE[prec] - t0)  # peak rows/s beyond T0
    return t0 + rows / rate


def gpu_table(model, prec, t0):
    p = PARAMS[model]
    nbytes = p * (4 if prec == "fp32" else 2)
    k = max(1, math.ceil(nbytes / BUCKET_BYTES_GPU))
    rows = []
    for b in BATCHES:
        base = None
        for n in NS:
            per = b / n
            t_c = gpu_compute(per, prec, t0)
            bw, lat = busbw_alpha_steps(n)
            t_ar = t_allreduce(nbytes, n, bw, lat, k)
            no, ov, z1 = step_times(t_c, t_allreduce(nbytes, n, bw, lat, 1), t_ar, k)
            if base is None:
                base = no  # one GPU: no communication
            rows.append(dict(batch=b, n=n, per=per, t_c=t_c, t_ar=t_ar, no=no, ov=ov, z1=z1,
                             sps_ov=b / ov, eff_no=base / (n * no), eff_ov=base / (n * ov),
                             eff_z1=base / (n * z1)))
    return nbytes, k, rows


def fmt_ms(t):
    return f"{t * 1e3:.2f}"


def print_gpu(model, prec, t0):
    nbytes, k, rows = gpu_table(model, prec, t0)
    print(f"\n### {model}, {prec} gradients ({nbytes / 1e6:.2f} MB per step, {k} bucket(s) of "
          f"{BUCKET_BYTES_GPU >> 20} MiB), T0 = {t0 * 1e3:g} ms\n")
    print("| global batch | GPUs | rows/GPU | compute ms | all-reduce ms (k buckets) | step ms (no overlap) "
          "| step ms (overlap) | step ms (ZeRO-1) | samples/s (overlap) | efficiency no overlap "
          "| efficiency overlap | efficiency ZeRO-1 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['batch']} | {r['n']} | {r['per']:g} | {fmt_ms(r['t_c'])} | {fmt_ms(r['t_ar'])} "
              f"| {fmt_ms(r['no'])} | {fmt_ms(r['ov'])} | {fmt_ms(r['z1'])} | {r['sps_ov']:,.0f} "
              f"| {r['eff_no']:.2f} | {r['eff_ov']:.2f} | {r['eff_z1']:.2f} |")
    return rows


def stop_summary(model, prec, rows):
    """Where scaling stops: the largest N with overlap efficiency >= 0.5 per batch, and the
    share of the step that is communication and fixed cost there."""
    out = []
    for b in BATCHES:
        rb = [r for r in rows if r["batch"] == b]
        ok = [r for r in rb if r["eff_ov"] >= 0.5]
        last = ok[-1] if ok else rb[0]
        worst = rb[-1]
        out.append(f"- {model} {prec}, batch {b}: efficiency >= 0.5 up to {last['n']} GPUs "
                   f"({last['per']:g} rows/GPU); at 64 GPUs {worst['eff_ov']:.2f} "
                   f"(compute {fmt_ms(worst['t_c'])} ms of which fixed {T0_MS:g} ms, "
                   f"all-reduce {fmt_ms(worst['t_ar'])} ms)")
    return out


def cpu_validation():
    print("\n### Validation on this machine: 2 MPI ranks x 1 thread, global batch 256 "
          "(CPU, shared memory)\n")
    print("| model | gradient MB | all-reduce ms measured (formula) | comm share of step "
          "| 1 rank samples/s (measured) | model: 2 ranks, ideal cores "
          "| model: 2 ranks, compute of 2 independent processes | measured 2 ranks "
          "| model / measured |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model, m in CPU_MEASURED.items():
        nbytes = PARAMS[model] * 4
        k = max(1, math.ceil(nbytes / CPU_BUCKET_BYTES))
        t_ar = CPU_AR_MEASURED[model]
        t_c_ideal = (CPU_BATCH / 2) / m["one"]            # the second core as fast as the first
        t_c_cont = (CPU_BATCH / 2) / (m["indep"] / 2)     # both cores busy: measured contention
        # backward overlap on CPU: the ranks spend their cores on backward, and Open MPI moves
        # the transfer only inside MPI calls (MPI_Testall between layers): count it as exposed.
        pred_ideal = CPU_BATCH / (t_c_ideal + t_ar)
        pred_cont = CPU_BATCH / (t_c_cont + t_ar)
        model_ar = t_allreduce(nbytes, 2, CPU_BUSBW, 2 * CPU_ALPHA, k)
        print(f"| {model} | {nbytes / 1e6:.2f} | {t_ar * 1e3:.2f} ({model_ar * 1e3:.2f}) "
              f"| {t_ar / (t_c_ideal + t_ar):.1%} | {m['one']:.1f} "
              f"| {pred_ideal:.1f} | {pred_cont:.1f} | {m['two']:.1f} "
              f"| {pred_ideal / m['two']:.2f} / {pred_cont / m['two']:.2f} |")


def svg(path, series):
    """Efficiency (overlap) vs GPUs, log2 x axis; one line per (precision, batch)."""
    w, h, l, r, t, b = 640, 400, 60, 150, 30, 50
    px = lambda n: l + (math.log2(n) / math.log2(NS[-1])) * (w - l - r)
    py = lambda e: t + (1 - e) * (h - t - b)
    colors = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">',
         f'<rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{w / 2 - 150}" y="18">Clair3 pileup: modelled efficiency (overlap), T0 {T0_MS:g} ms</text>']
    for e in [0, 0.25, 0.5, 0.75, 1.0]:
        s.append(f'<line x1="{l}" y1="{py(e):.1f}" x2="{w - r}" y2="{py(e):.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{l - 35}" y="{py(e) + 4:.1f}">{e:.2f}</text>')
    for n in NS:
        s.append(f'<text x="{px(n) - 6:.1f}" y="{h - b + 18}">{n}</text>')
    s.append(f'<text x="{(w - r) / 2}" y="{h - 12}">GPUs</text>')
    for i, (label, pts) in enumerate(series):
        c = colors[i % len(colors)]
        d = " ".join(f"{px(n):.1f},{py(e):.1f}" for n, e in pts)
        s.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{d}"/>')
        s.append(f'<text x="{w - r + 8}" y="{t + 16 + 18 * i}" fill="{c}">{label}</text>')
    s.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(s) + "\n")


def main():
    global T0_MS, BUSBW_IB
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--svg", help="write the efficiency figure here")
    ap.add_argument("--t0-ms", type=float, default=1.0, help="fixed per-step GPU cost [1]")
    ap.add_argument("--ib-busbw", type=float, default=47.0,
                    help="all-reduce bus bandwidth across nodes, GB/s [47: one NDR NIC]")
    a = ap.parse_args()
    BUSBW_IB = a.ib_busbw * 1e9
    T0_MS = a.t0_ms
    t0 = a.t0_ms * 1e-3
    print("## Modelled GPU scaling, Clair3 pileup (assumed compute: PyTorch H100 reference)")
    print(f"\nT0 {a.t0_ms:g} ms; bus bandwidth {BUSBW_NVLINK / 1e9:g} GB/s inside a node of "
          f"{GPUS_PER_NODE}, {BUSBW_IB / 1e9:g} GB/s across nodes")
    summary, series = [], []
    for prec in ["fp32", "bf16"]:
        rows = print_gpu("clair3-pileup", prec, t0)
        summary += stop_summary("clair3-pileup", prec, rows)
        for bsz in BATCHES:
            series.append((f"{prec} B={bsz}", [(r["n"], r["eff_ov"]) for r in rows if r["batch"] == bsz]))
    print("\n### Where it stops scaling\n")
    print("\n".join(summary))
    cpu_validation()
    if a.svg:
        svg(a.svg, series)


T0_MS = 1.0
if __name__ == "__main__":
    main()
