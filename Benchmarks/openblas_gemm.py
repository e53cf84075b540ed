#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 GEMM timer for nnc-bench, driven over stdin/stdout.

nnc-bench starts one of these per thread count with OPENBLAS_NUM_THREADS (and OMP_/MKL_)
set to that count -- OpenBLAS fixes its thread count when it loads -- and asks it to time
one shape at a time, so that nnc's and OpenBLAS's figures for a shape are measured
moments apart in the same run. Timing follows ../../shared/peers/gemm_numpy.py: transposed
operands are numpy views (BLAS sees the trans flag, no copy), repetitions calibrated so a
trial takes at least min_time seconds, 2*m*n*k flop per call.

Protocol, one line each way:
    info                                   -> {"numpy": ..., "openblas": ..., "threads": ...}
    time M K N TA TB MIN_TIME TRIALS CLOCK -> {"best": GFLOP/s, "median": GFLOP/s, "reps": n}
CLOCK is "wall" (time.perf_counter) or "thread" (time.thread_time: this thread's CPU time,
which a busy machine's preemptions do not inflate; meaningful for one thread only).
    quit
"""
import json
import os
import statistics
import sys
import time

import numpy as np


def openblas_core():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # older numpy
        return "unknown"


def main():
    rng = np.random.default_rng(0)
    cache = {}
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            return
        if words[0] == "info":
            print(json.dumps({"numpy": np.__version__, "openblas": openblas_core(),
                              "threads": os.environ.get("OPENBLAS_NUM_THREADS")}), flush=True)
            continue
        m, k, n, ta, tb = (int(w) for w in words[1:6])
        min_time, trials = float(words[6]), int(words[7])
        clock = time.thread_time if len(words) > 8 and words[8] == "thread" else time.perf_counter
        key = (m, k, n, ta, tb)
        if key not in cache:
            a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
            b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
            cache[key] = (a.T if ta else a, b.T if tb else b, np.empty((m, n), dtype=np.float32))
        A, B, C = cache[key]
        flop = 2.0 * m * n * k
        reps = 1
        while True:
            t0 = clock()
            for _ in range(reps):
                np.dot(A, B, out=C)
            dt = clock() - t0
            if dt >= min_time:
                break
            reps = max(reps * 2, int(reps * min_time / max(dt, 1e-9) * 1.2))
        rates = []
        for _ in range(trials):
            t0 = clock()
            for _ in range(reps):
                np.dot(A, B, out=C)
            rates.append(flop * reps / (clock() - t0) / 1e9)
        print(json.dumps({"best": max(rates), "median": statistics.median(rates), "reps": reps}),
              flush=True)


if __name__ == "__main__":
    main()
