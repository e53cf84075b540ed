#!/usr/bin/env python3
"""SGD2 against SGD on the MNIST MLP (784-128-128-10, batch 500, 120 steps an epoch), in one
run: nnc's SGD epoch, nnc's SGD2 epoch (exact λ = 1 with chunk 500, the whole batch and a
re-form every step, and the cheap setting chunk 128 / samples 250 / every 10 of docs/ALGORITHMS.md,
nnc's defaults since 2026-11-24), and the same steps written in
PyTorch with torch.linalg (Cholesky of the augmented covariance per layer, block-diagonal
over a fresh random permutation when a layer has more than `chunk` units, momentum after the
correction). Epoch time is training only (nnc's log `seconds`; PyTorch timed around its 120
steps), best of `--rounds` rounds, nnc and PyTorch interleaved so both see the same machine.

    swift build -c release --scratch-path .build-sgd2
    /work/.venv-peers/bin/python Benchmarks/sgd2_vs_sgd.py [--rounds 3] [--threads 1]

Needs torch (see ../shared/peers/README.md); MNIST under $NNC_DATA or ../shared/data.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import common  # noqa: E402

CHEAP = "chunk: 128, samples: 250, every: 10"
EXACT = "chunk: 500, samples: 500, every: 1"


def nnc_epoch(name, optimizer, threads, epochs=2):
    net = common.variant("examples/mnist_mlp.net", "bench_" + name, optimizer=optimizer,
                         train=f"train {{ batch: 500, epochs: {epochs}, seed: 1 }}")
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "run.jsonl")
        cmd = [common.nnc_binary(), "train", net, "--threads", str(threads), "--log", log,
               "--checkpoint", os.path.join(d, "c.safetensors")]
        data = common.data_dir()
        if data:
            cmd += ["--data", data]
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        epochs = [json.loads(l) for l in open(log) if '"type":"epoch"' in l]
    return min(e["seconds"] for e in epochs), epochs[-1].get("test_error")


def load_mnist():
    base = os.environ.get("NNC_DATA", "").split(":")[0] or common.data_dir()
    path = os.path.join(base, "mnist")
    import numpy as np
    with gzip.open(os.path.join(path, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
    with gzip.open(os.path.join(path, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return x, y


class TorchMLP:
    """The MLP with its SGD or SGD2 step; parameters as plain tensors, gradients by autograd."""

    def __init__(self, torch, sgd2, chunk=500, samples=None, every=1, lam=1.0, lr=0.1, momentum=0.9):
        self.t = torch
        g = torch.Generator().manual_seed(1)
        sizes = [784, 128, 128, 10]
        self.w = [(torch.randn(o, i, generator=g) * 0.01).requires_grad_() for i, o in zip(sizes, sizes[1:])]
        self.b = [torch.zeros(o, requires_grad=True) for o in sizes[1:]]
        self.v = [torch.zeros(o, i + 1) for i, o in zip(sizes, sizes[1:])]
        self.sgd2, self.chunk, self.samples, self.every, self.lam = sgd2, chunk, samples, every, lam
        self.lr, self.momentum, self.step_count = lr, momentum, 0
        self.factors = [None] * 3

    def step(self, x, y):
        t = self.t
        inputs, h = [], x
        for k in range(3):
            inputs.append(h)
            h = h @ self.w[k].T + self.b[k]
            if k < 2:
                h = t.relu(h)
        loss = t.nn.functional.cross_entropy(h, y)
        grads = t.autograd.grad(loss, self.w + self.b)
        self.step_count += 1
        with t.no_grad():
            for k in range(3):
                g = t.cat([grads[3 + k][:, None], grads[k]], 1)          # [g_b, G]
                if self.sgd2:
                    g = self.correct(k, inputs[k].detach(), g)
                self.v[k].mul_(self.momentum).sub_(self.lr * g)
                self.b[k] += self.v[k][:, 0]
                self.w[k] += self.v[k][:, 1:]
        return loss

    def correct(self, k, x, g):
        """[g_b, G]·(A + λI)⁻¹ over blocks of at most `chunk` units (bias row included)."""
        t = self.t
        n = x.shape[1] + 1
        if self.factors[k] is None or (self.step_count - 1) % self.every == 0:
            xs = x if self.samples is None else x[t.randperm(x.shape[0])[: self.samples]]
            xa = t.cat([t.ones(xs.shape[0], 1), xs], 1).double()
            perm = t.randperm(n) if n > self.chunk else t.arange(n)
            blocks = []
            for s in range(0, n, self.chunk):
                idx = perm[s: s + self.chunk]
                xb = xa[:, idx]
                a = xb.T @ xb / xa.shape[0] + self.lam * t.eye(len(idx), dtype=t.float64)
                blocks.append((idx, t.linalg.cholesky(a)))
            self.factors[k] = blocks
        out = t.empty_like(g)
        gd = g.double()
        for idx, l in self.factors[k]:
            out[:, idx] = t.cholesky_solve(gd[:, idx].T, l).T.float()
        return out


def torch_epoch(torch, x, y, **kw):
    model = TorchMLP(torch, **kw)
    perm = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(2))
    start = time.perf_counter()
    for s in range(0, x.shape[0] - 499, 500):
        idx = perm[s: s + 500]
        model.step(x[idx], y[idx])
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("needs torch: /work/.venv-peers/bin/python (see ../shared/peers/README.md)")
    torch.set_num_threads(args.threads)
    sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
    from bench_common import header
    print(header(f"SGD2 against SGD, MNIST MLP, {args.threads} thread(s)", nnc=common.nnc_binary()), flush=True)
    xn, yn = load_mnist()
    x, y = torch.from_numpy(xn), torch.from_numpy(yn)
    runs = {
        "nnc sgd": lambda: nnc_epoch("sgd", "optimizer sgd { lr: 0.1, momentum: 0.9 }", args.threads)[0],
        "nnc sgd2 exact": lambda: nnc_epoch("sgd2", f"optimizer sgd2 {{ lr: 0.1, momentum: 0.9, lambda: 1, {EXACT} }}",
                                            args.threads)[0],
        "nnc sgd2 cheap": lambda: nnc_epoch("sgd2c", f"optimizer sgd2 {{ lr: 0.1, momentum: 0.9, lambda: 1, {CHEAP} }}",
                                            args.threads)[0],
        "torch sgd": lambda: torch_epoch(torch, x, y, sgd2=False),
        "torch sgd2 exact": lambda: torch_epoch(torch, x, y, sgd2=True),
        "torch sgd2 cheap": lambda: torch_epoch(torch, x, y, sgd2=True, chunk=128, samples=250, every=10),
    }
    best = {k: float("inf") for k in runs}
    for r in range(args.rounds):
        for name, run in runs.items():
            best[name] = min(best[name], run())
        print(f"round {r + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items()), flush=True)
    print(f"\nMNIST MLP, batch 500, {args.threads} thread(s), s/epoch (training only), best of {args.rounds}:")
    print("| run | s/epoch | ÷ nnc sgd | torch ÷ nnc |")
    print("|---|---:|---:|---:|")
    for name in ["sgd", "sgd2 exact", "sgd2 cheap"]:
        n, tt = best["nnc " + name], best["torch " + name]
        print(f"| nnc {name} | {n:.2f} | {n / best['nnc sgd']:.2f} | |")
        print(f"| torch {name} | {tt:.2f} | {tt / best['nnc sgd']:.2f} | {tt / n:.2f} |")
    print(f"\nnnc sgd2 cheap, the defaults ({CHEAP}) ÷ nnc sgd = "
          f"{best['nnc sgd2 cheap'] / best['nnc sgd']:.2f} (target ≤ 1.3); "
          f"exact ({EXACT}) ÷ sgd = {best['nnc sgd2 exact'] / best['nnc sgd']:.2f}")
    print(f"torch sgd2 exact ÷ nnc sgd2 exact = {best['torch sgd2 exact'] / best['nnc sgd2 exact']:.2f}; "
          f"cheap: {best['torch sgd2 cheap'] / best['nnc sgd2 cheap']:.2f} (> 1: nnc faster)")


if __name__ == "__main__":
    main()
