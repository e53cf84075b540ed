#!/usr/bin/env python3
"""Experiment 1 (SGD2 paper, section 3.1, Table 1 column 3, Fig. 2a): the MNIST MLP
784-128-128-10, ReLU, N(0, 0.01²) weights, batch 500; test error after the first epoch for
SGD with momentum, Adam, RMSProp, AdaGrad, SGD2 and K-FAC, each at the best learning rate of the
papers' search (30 mini-batches per candidate). The paper: SGD2 clearly lowest.

`--authors` runs the two methods the authors' LightNet semantics change, SGD and SGD2, in those
semantics (common.AUTHORS_*: centred raw pixels, averaged momentum with LightNet's default decay
1e-4 in the velocity, SGD2's first layer uncorrected, the search on the epoch's batches; tags
get _authors).

    python3 experiments/exp1_first_epoch.py [--seeds 1 2 3] [--sgd2 "lambda: 1"] [--authors]
"""
import argparse
import statistics
import common

METHODS = [
    ("sgd (momentum 0.9)", "optimizer sgd { momentum: 0.9 }"),
    ("adam", "optimizer adam { }"),
    ("rmsprop", "optimizer rmsprop { }"),
    ("adagrad", "optimizer adagrad { }"),
    # The exact correction (whole batch, re-formed every step); nnc's defaults are the cheap setting.
    ("sgd2 (λ 1, exact)", "optimizer sgd2 { momentum: 0.9, lambda: 1, chunk: 500, samples: 500, every: 1 }"),
    # K-FAC at its defaults (docs/ALGORITHMS.md "K-FAC"): λ 0.01, factors every 10 steps,
    # inverses every 100, KL clipping 0.001.
    ("kfac (defaults)", "optimizer kfac { momentum: 0.9 }"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--extra-sgd2", default="", help="options added to an extra sgd2 row, e.g. 'chunk: 128, samples: 250, every: 10'")
    ap.add_argument("--authors", action="store_true", help="SGD and SGD2 in the authors' semantics; tags get _authors")
    args = ap.parse_args()
    methods = list(METHODS)
    if args.authors:
        methods = [(label + ", authors'", block.replace(" }", ", " + (common.AUTHORS_SGD2 if "sgd2" in block else common.AUTHORS_SGD)
                                                         + f", weight_decay: {common.AUTHORS_DECAY:g} }}"))
                   for label, block in methods if block.startswith(("optimizer sgd ", "optimizer sgd2 "))]
    if args.extra_sgd2:
        methods.append((f"sgd2 ({args.extra_sgd2})", f"optimizer sgd2 {{ momentum: 0.9, lambda: 1, {args.extra_sgd2} }}"))
    rows = []
    for label, block in methods:
        errors, rates, walls, cmds = [], [], [], []
        for seed in args.seeds:
            tag = (f"exp1_{label.split()[0]}{'_x' if 'chunk' in label or 'every' in label else ''}"
                   + ("_authors" if args.authors else "") + f"_s{seed}")
            search = f", {common.AUTHORS_SEARCH}" if args.authors else ""
            net = common.variant("examples/mnist_mlp.net", tag, optimizer=block, authors=args.authors,
                                 train=f"train {{ batch: 500, epochs: 1, seed: {seed}, lr_search: search(every: 10, steps: 30{search}) }}")
            r = common.train(net, tag)
            if r["status"] != 0:
                print(f"{tag}: {common.status(r)}")
            errors.append(common.final_error(r))
            rates.append(r["searches"][0]["chosen"] if r["searches"] else None)
            walls.append(r["wall"])
            cmds.append(r["command"])
        mean = statistics.mean(errors)
        spread = f" ± {100 * statistics.stdev(errors):.2f}" if len(errors) > 1 else ""
        rows.append([label, f"{100 * mean:.2f} %{spread}", ", ".join(str(x) for x in rates),
                     f"{statistics.mean(walls):.1f} s", f"`{cmds[0]}`"])
    text = common.table(["method", f"test error after epoch 1 (seeds {args.seeds})", "searched lr",
                         "wall (search + epoch + eval)", "command (first seed)"], rows)
    common.save_table("exp1" + ("_authors" if args.authors else ""), text)


if __name__ == "__main__":
    main()
