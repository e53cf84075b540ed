#!/usr/bin/env python3
"""Rewrites an nnc checkpoint as a fresh start, for `nnc train --init`: every dense/conv weight
drawn anew from N(0, sigma^2), biases 0, every RMS norm's running d set to D0 and its update
count to 0. Experiment 4 uses it to start the RMS norms from d = 0, the authors' LightNet
rmsnorm.m initial value (which the warm-up correction d/(1 - 0.1^t) presupposes), where nnc
starts them from 1.

    python3 experiments/fresh_init.py IN.safetensors OUT.safetensors [--seed 1] [--d0 0] [--sigma 0.01]
"""
import argparse
import json
import struct
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--d0", type=float, default=0.0)
    ap.add_argument("--sigma", type=float, default=0.01)
    args = ap.parse_args()
    with open(args.src, "rb") as f:
        data = bytearray(f.read())
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    rng = np.random.default_rng(args.seed)
    for name, info in header.items():
        # Parameters and norm state are LAYER.NAME; optimizer state has more dots and is ignored by --init.
        if name == "__metadata__" or info["dtype"] != "F32" or name.count(".") != 1:
            continue
        a, b = info["data_offsets"]
        shape = info["shape"]
        if name.endswith(".weight"):
            values = rng.normal(0, args.sigma, shape)
        elif name.endswith(".bias") or name.endswith(".steps"):
            values = np.zeros(shape)
        elif name.endswith(".d"):
            values = np.full(shape, args.d0)
        else:
            continue
        data[base + a:base + b] = values.astype("<f4").tobytes()
    with open(args.dst, "wb") as f:
        f.write(bytes(data))


if __name__ == "__main__":
    main()
