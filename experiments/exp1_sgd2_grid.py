#!/usr/bin/env python3
"""Experiment 1, SGD2's cost levers (docs/ALGORITHMS.md "What it costs, and the levers"): the MNIST
MLP of experiment 1 trained one epoch with SGD2 (λ 1, momentum 0.9, the learning rate
searched) over a grid of chunk c, samples s and every k, against SGD with momentum; test error
after the first epoch and the training time of that epoch, per seed. The defaults should be the
cheapest setting that keeps SGD2's first-epoch lead.

    python3 experiments/exp1_sgd2_grid.py [--seeds 1 2 3] [--chunks 500 256 128 64]
        [--samples all 250 100] [--every 1 10 50]
"""
import argparse
import itertools
import statistics
import common


def run(tag, block, seed):
    net = common.variant("examples/mnist_mlp.net", tag, optimizer=block,
                         train=f"train {{ batch: 500, epochs: 1, seed: {seed}, lr_search: search(every: 10, steps: 30) }}")
    r = common.train(net, tag)
    if r["status"] != 0:
        print(f"{tag}: {common.status(r)}")
        return float("nan"), float("nan"), None
    e = r["epochs"][0]
    return common.num(e.get("test_error")), common.num(e.get("seconds")), r["searches"][0]["chosen"] if r["searches"] else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--chunks", type=int, nargs="+", default=[500, 256, 128, 64])
    ap.add_argument("--samples", nargs="+", default=["all", "250", "100"])
    ap.add_argument("--every", type=int, nargs="+", default=[1, 10, 50])
    args = ap.parse_args()
    settings = [("sgd (momentum 0.9)", "optimizer sgd { momentum: 0.9 }")]
    for c, s, k in itertools.product(args.chunks, args.samples, args.every):
        # "all" is the whole batch of 500, named since the default samples a dense layer's 250.
        opts = f"chunk: {c}, samples: {500 if s == 'all' else s}, every: {k}"
        settings.append((f"sgd2 c {c}, s {s}, k {k}", f"optimizer sgd2 {{ momentum: 0.9, lambda: 1, {opts} }}"))
    results = {label: [] for label, _ in settings}
    # Seeds outermost and SGD first in each, so every setting sees the machine alike.
    for seed in args.seeds:
        for label, block in settings:
            tag = "exp1grid_" + "".join(ch if ch.isalnum() else "_" for ch in label.split("(")[0]).strip("_") + f"_s{seed}"
            results[label].append(run(tag, block, seed))
            err, sec, lr = results[label][-1]
            print(f"seed {seed} {label}: {100 * err:.2f} %, {sec:.3f} s, lr {lr}", flush=True)
    sgd_seconds = statistics.mean(r[1] for r in results[settings[0][0]])
    rows = []
    for label, _ in settings:
        errs = [r[0] for r in results[label]]
        secs = [r[1] for r in results[label]]
        rates = ", ".join(str(r[2]) for r in results[label])
        sd = f" ± {100 * statistics.stdev(errs):.2f}" if len(errs) > 1 else ""
        rows.append([label, f"{100 * statistics.mean(errs):.2f} %{sd}", " / ".join(f"{100 * e:.2f}" for e in errs),
                     f"{statistics.mean(secs):.3f} s", f"{statistics.mean(secs) / sgd_seconds:.2f}", rates])
    text = common.table(["setting", f"test error after epoch 1, mean ± sd (seeds {args.seeds})", "per seed (%)",
                         "epoch (training only)", "÷ SGD epoch", "searched lr"], rows)
    common.save_table("exp1_grid", text,
                      "one run: nnc train experiments/out/exp1grid_<setting>_s<seed>.net --threads 1")


if __name__ == "__main__":
    main()
