#!/usr/bin/env python3
"""PyTorch (CPU, eager) peer for the CIFAR-style conv net of examples/cifar_conv.net.

3x32x32 input; conv 32 5x5 same, maxpool 3/2 pad 1, relu; conv 32 5x5 same, relu, avgpool
3/2 pad 1; conv 64 5x5 same, relu, avgpool 3/2 pad 1; conv 64 4x4, relu; flatten; dense 10;
softmax cross-entropy. Weights N(0, sigma^2) as the .net file gives them (0.01 for the first
conv, 0.05 after), zero biases. Average pooling counts padding as zeros (count_include_pad,
PyTorch's default and nnc's). SGD with momentum 0.9 (v = mu v + g; w -= lr v), batch 100.
Data: random CIFAR-shaped bytes (there is no CIFAR-10 here), scaled by 1/255 and centred.

    python conv_torch.py [--threads 1] [--steps 50] [--epochs 3] [--batch 100] [--lr 0.01]

An "epoch" here is --steps batches; the script times each epoch's training loop (batch
gather, forward, backward, update) and also prints seconds per full CIFAR epoch
(50000 / batch steps), scaled from the measured steps.
"""
import argparse, json, os, resource, statistics, sys, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if a.threads < len(cpus):
        os.sched_setaffinity(0, set(cpus[:a.threads]))
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(v, str(a.threads))
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    torch.set_num_threads(a.threads)

    rng = np.random.default_rng(a.seed)
    n = a.steps * a.batch
    x = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8).astype(np.float32) / 255
    x -= x.mean(axis=(0, 2, 3), keepdims=True)          # per-channel mean, as nnc's centre
    y = rng.integers(0, 10, size=n).astype(np.int64)
    X, Y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)

    model = nn.Sequential(
        nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(3, 2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 5, padding=2), nn.ReLU(), nn.AvgPool2d(3, 2, padding=1),
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.AvgPool2d(3, 2, padding=1),
        nn.Conv2d(64, 64, 4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 10))
    sigmas = [0.01, 0.05, 0.05, 0.05, 0.05]
    layers = [m for m in model if isinstance(m, (nn.Conv2d, nn.Linear))]
    g = torch.Generator().manual_seed(a.seed)
    with torch.no_grad():
        for m, s in zip(layers, sigmas):
            m.weight.normal_(0, s, generator=g)
            m.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)

    epochs = []
    for ep in range(a.epochs):
        perm = torch.from_numpy(np.random.default_rng([a.seed, ep]).permutation(n))
        losses = torch.empty(a.steps)
        t0 = time.perf_counter()
        for i in range(a.steps):
            idx = perm[i * a.batch:(i + 1) * a.batch]
            loss = F.cross_entropy(model(X.index_select(0, idx)), Y.index_select(0, idx))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses[i] = loss.detach()
        dt = time.perf_counter() - t0
        epochs.append({"epoch": ep + 1, "seconds": dt, "train_loss": losses.mean().item()})
        print(f"epoch {ep + 1}: {dt:.3f} s for {a.steps} steps, loss {losses.mean().item():.4f}", flush=True)
    med = statistics.median(e["seconds"] for e in epochs)
    full = med * (50000 // a.batch) / a.steps
    print(f"median {med:.3f} s per {a.steps} steps = {full:.2f} s per CIFAR epoch", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"peer": "torch", "version": torch.__version__, "threads": a.threads,
                                   "steps": a.steps, "batch": a.batch, "epochs": epochs,
                                   "median_s": med, "s_per_cifar_epoch": full, "peak_rss_mb": rss}), flush=True)


if __name__ == "__main__":
    main()
