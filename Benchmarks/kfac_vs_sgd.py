#!/usr/bin/env python3
"""K-FAC and Shampoo against SGD in nnc, epoch for epoch, in one run: the MNIST MLP
(784-128-128-10, batch 500, 120 steps an epoch) and the conv net of examples/cifar_conv_mnist.net
(on the first 6 000 images, batch 100), each with `optimizer sgd { momentum: 0.9 }`, `optimizer
kfac` at its defaults (factors every 10 steps, inverses every 100) and `optimizer shampoo` at its
defaults (blocks of 128, roots every 10 steps from step 10, AdaGrad graft), on 1 and 2 threads. Epoch time is training
only (the log's `seconds`), the median over `--rounds` rounds of 2 epochs each, the methods
interleaved so both see the same machine. Prints the CPU model and the load: run it on a quiet
machine (no build, test or helper beside it).

    swift build -c release
    NNC=.build/release/nnc python3 Benchmarks/kfac_vs_sgd.py [--rounds 3] [--threads 1 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import common  # noqa: E402
from bench_common import kernel_parameters  # noqa: E402

MODELS = [
    ("MNIST MLP", "examples/mnist_mlp.net", "train { batch: 500, epochs: 2, seed: 1 }", []),
    ("conv net", "examples/cifar_conv_mnist.net", "train { batch: 100, epochs: 2, seed: 1 }", ["--limit", "6000"]),
]
METHODS = [("sgd", "optimizer sgd { lr: 0.05, momentum: 0.9 }"), ("kfac", "optimizer kfac { lr: 0.05 }"),
           ("shampoo", "optimizer shampoo { lr: 0.01 }")]


def epoch_seconds(example, train, extra, method, optimizer, threads):
    tag = f"bench_kfac_{os.path.basename(example)[:-4]}_{method}"
    net = common.variant(example, tag, optimizer=optimizer, train=train)
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "run.jsonl")
        cmd = [common.nnc_binary(), "train", net, "--threads", str(threads), "--log", log,
               "--checkpoint", os.path.join(d, "c.safetensors")] + extra
        data = common.data_dir()
        if data:
            cmd += ["--data", data]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        epochs = [json.loads(l) for l in open(log) if '"type":"epoch"' in l]
    return min(e["seconds"] for e in epochs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--methods", nargs="+", default=[m for m, _ in METHODS], help="sgd is always run")
    args = ap.parse_args()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"CPU: {cpu}; load before: {os.getloadavg()[0]:.2f}")
    print("nnc kernels: " + kernel_parameters(common.nnc_binary()))
    rows = []
    for label, example, train, extra in MODELS:
        for threads in args.threads:
            methods = [(m, o) for m, o in METHODS if m == "sgd" or m in args.methods]
            times = {m: [] for m, _ in methods}
            for _ in range(args.rounds):
                for method, optimizer in methods:
                    times[method].append(epoch_seconds(example, train, extra, method, optimizer, threads))
            medians = {m: statistics.median(t) for m, t in times.items()}
            row = [label, str(threads), f"{medians['sgd']:.3f} s"]
            for m, _ in methods[1:]:
                row += [f"{medians[m]:.3f} s", f"{medians[m] / medians['sgd']:.2f}"]
            rows.append(row)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    names = {"kfac": "K-FAC", "shampoo": "Shampoo"}
    headers = ["model", "threads", "SGD epoch"]
    for m, _ in [(m, o) for m, o in METHODS if m != "sgd" and m in args.methods]:
        headers += [f"{names[m]} epoch", f"{names[m]} ÷ SGD"]
    common.table(headers, rows)


if __name__ == "__main__":
    main()
