#!/usr/bin/env python3
"""numpy (LAPACK) inverse fourth root of a symmetric statistic, for `nnc-bench roots`.

The reference for nnc's `inverseFourthRoot`: the same computation in float64 — the statistic
promoted to Double, `numpy.linalg.eigh` (LAPACK syevd), negative eigenvalues clamped, the
eigenvalues mapped to (lambda + eps*lambda_max)^(-1/4), `Q diag(f) Q^T` by a matrix product and
the result rounded to float32 — on one thread (nnc-bench sets OPENBLAS_NUM_THREADS=1).

    numpy_eigh.py N RANK MIN_TIME TRIALS   -> {"best": seconds per root, "median": ..., "reps": n}
"""
import json
import sys
import time

import numpy as np


def main():
    n, rank, min_time, trials = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    rng = np.random.default_rng(n)
    g = rng.uniform(-1, 1, size=(n, rank)).astype(np.float32)
    s = g @ g.T

    def root():
        w, q = np.linalg.eigh(s.astype(np.float64))
        w = np.maximum(w, 0)
        f = (w + 1e-6 * w.max()) ** -0.25
        return ((q * f) @ q.T).astype(np.float32)

    root()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            root()
        dt = time.perf_counter() - t0
        if dt >= min_time:
            break
        reps = max(reps * 2, int(reps * min_time / max(dt, 1e-9) * 1.2))
    seconds = []
    for _ in range(trials):
        t0 = time.perf_counter()
        for _ in range(reps):
            root()
        seconds.append((time.perf_counter() - t0) / reps)
    seconds.sort()
    print(json.dumps({"best": seconds[0], "median": seconds[len(seconds) // 2], "reps": reps}), flush=True)


if __name__ == "__main__":
    main()
