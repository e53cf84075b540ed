#!/usr/bin/env python3
"""Experiment 4, at initialisation: the forward pass of examples/mlp50_modu.net (and its ReLU
twin) in numpy on 500 MNIST training images, during the first training step, when each RMS
norm divides by its bias-corrected running d̂ = (0.1·d0 + 0.9·mean(x²)) / 0.9. Prints per layer
the RMS of the dense output and the mean cosine between samples, for d0 = 1 (nnc's initial
value) and d0 = 0 (the authors' LightNet), with N(0, 0.01²) weights, in Double.

    python3 experiments/exp4_init_signal.py [--data ../shared/data]
"""
import argparse
import gzip
import os
import numpy as np


def forward(x, act, d0, depth=50, width=20, sigma=0.01, seed=1):
    r = np.random.default_rng(seed)
    out = []
    for i in range(depth):
        if i > 0:  # no norm on the raw pixels (the paper's layout)
            d = (0.1 * d0 + 0.9 * (x ** 2).mean(0)) / 0.9
            x = x / np.sqrt(d + 0.01 * d.max() + 1e-6)
        y = x @ r.normal(0, sigma, (x.shape[1], 10 if i == depth - 1 else width))
        u = y / (np.linalg.norm(y, axis=1, keepdims=True) + 1e-300)
        out.append((np.sqrt((y ** 2).mean()), (u @ u.T)[np.triu_indices(len(u), 1)].mean()))
        x = np.abs(y) if act == "modu" else np.maximum(y, 0)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("NNC_DATA", "../shared/data"))
    args = ap.parse_args()
    raw = gzip.open(os.path.join(args.data, "mnist", "train-images-idx3-ubyte.gz")).read()
    x = np.frombuffer(raw[16:], np.uint8).reshape(-1, 784)[:500].astype(np.float64) / 255
    for act in ("modu", "relu"):
        for d0 in (1.0, 0.0):
            o = forward(x, act, d0)
            print(f"{act} d0={d0:g}: " + "; ".join(f"layer {i + 1} rms {o[i][0]:.2g} cos {o[i][1]:.2f}"
                                                   for i in (0, 4, 9, 19, 29, 39, 49)))


if __name__ == "__main__":
    main()
