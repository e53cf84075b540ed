#!/usr/bin/env python3
"""Experiment 6 (local-Hessian paper, section 4.1, Fig. 1): scale-amended SGD against SGD
with momentum on a batch-normalised VGG-style conv net (BN without affine parameters before
every ReLU, no biases, one dense layer). The paper trains VGG13 on CIFAR-10/100 for 300
epochs: lr 0.1 for both (0.005 for scale-amended SGD on CIFAR-10), momentum 0.9, weight
decay 0.005; training loss almost always lower and final test error considerably lower.

CIFAR-10 is not on this machine, and nnc's convolutions run at a few hundred samples/s here
(2 shared cores), so this is a REDUCED run: examples/vgg_bn_mnist.net (the same net on
1×28×28 MNIST), the first --limit training samples, --epochs epochs, constant lr, test
error once at the end. Scale-amended SGD runs with nnc's default `conv_hessian: taps` and once
with the literal `matrix` view of docs/ALGORITHMS.md. Full run (MNIST, 60 000 samples, 20 epochs):
    python3 experiments/exp6_scale_amended.py --limit 60000 --epochs 20

    python3 experiments/exp6_scale_amended.py [--limit 6400] [--epochs 3] [--only sgd_lr0.1,sa_sgd_lr0.005_taps]
"""
import argparse
import statistics
import common

# (label, method, lr, conv_hessian). `taps` is nnc's default (a conv's input Hessian counts each
# pixel once per kernel tap reading it); `matrix` is docs/ALGORITHMS.md's literal C_out x C_in·k·k view,
# which diverged at every rate tried (EXPERIMENTS.md section 6), so one run of it is kept.
RUNS = [
    ("sgd (momentum 0.9)", "sgd", 0.1, None),
    ("sa_sgd, taps, the paper's CIFAR-10 lr", "sa_sgd", 0.005, "taps"),
    ("sa_sgd, taps", "sa_sgd", 0.02, "taps"),
    ("sa_sgd, taps, the paper's lr", "sa_sgd", 0.1, "taps"),
    ("sa_sgd, matrix (literal view), the paper's CIFAR-10 lr", "sa_sgd", 0.005, "matrix"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=6400)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="comma-separated tags to run, e.g. sgd_lr0.1,sa_sgd_lr0.005_taps")
    args = ap.parse_args()
    rows, curves = [], []
    for label, method, lr, view in RUNS:
        base = f"{method}_lr{lr}" + (f"_{view}" if view else "")
        if args.only and base not in args.only.split(","):
            continue
        # Runs other than the reduced default keep their own logs.
        tag = "exp6_" + base + ("" if (args.limit, args.epochs) == (6400, 3) else f"_n{args.limit}_e{args.epochs}")
        extra = f", conv_hessian: {view}" if view else ""
        net = common.variant("examples/vgg_bn_mnist.net", tag,
                             optimizer=f"optimizer {method} {{ lr: {lr}, momentum: 0.9, weight_decay: 0.005{extra} }}",
                             train=f"train {{ batch: 128, epochs: {args.epochs}, seed: {args.seed}, "
                                   f"eval_every: {args.epochs} }}")
        r = common.train(net, tag, extra=["--limit", str(args.limit)])
        losses = [s["loss"] for s in r["steps"] if isinstance(s["loss"], (int, float))]
        per_epoch = [f"{e['train_loss']:.3f}" for e in r["epochs"]]
        last = statistics.mean(losses[-10:]) if len(losses) >= 10 else float("nan")
        rows.append([label, lr, " / ".join(per_epoch) or "—", f"{last:.3f}",
                     common.pct(common.final_error(r)), common.status(r), f"{r['wall']:.0f} s",
                     f"`{r['command']}`"])
        curves.append(f"{tag}: batch losses every 10 steps: "
                      + ", ".join(f"{x:.3f}" for x in losses[::10]))
    text = common.table(["method", "lr", "train loss per epoch", "mean of last 10 batch losses",
                         f"test error after {args.epochs} epochs", "status", "wall", "command"], rows)
    print("\n".join(curves))
    suffix = "" if (args.limit, args.epochs) == (6400, 3) else f"_n{args.limit}_e{args.epochs}"
    common.save_table("exp6" + suffix + ("_" + args.only.replace(",", "_") if args.only else ""), text, "\n".join(curves))


if __name__ == "__main__":
    main()
