#!/usr/bin/env python3
"""Experiment 4 (SGD2 paper, section 3, Fig. 3): the 50-layer, 20-wide MLP with RMS
normalisation before every linear layer, trained with SGD2: with the modulus unit it learns
(examples/mlp50_modu.net), its ReLU twin (examples/mlp50_relu.net) explodes.

    python3 experiments/exp4_mlp50.py [--epochs 20] [--lr 1] [--noise 0.3]
"""
import argparse
import math
import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--search-every", type=int, default=10, help="epochs between learning-rate searches (the papers: 10 of 20)")
    ap.add_argument("--lr", type=float, help="a fixed learning rate instead of the search")
    ap.add_argument("--noise", type=float, help="SGD2's gradient noise η (γ 0.55), which the paper tried on deep nets")
    args = ap.parse_args()
    search = f", lr_search: search(every: {args.search_every}, steps: 30)" if args.lr is None else ""
    rows = []
    for example in ["examples/mlp50_modu.net", "examples/mlp50_relu.net"]:
        tag = "exp4_" + example.split("/")[-1][:-4]
        if args.noise:
            tag += f"_noise{args.noise:g}"
        optimizer = None if not args.noise else \
            f"optimizer sgd2 {{ lr: 0.1, momentum: 0.9, lambda: 1, noise: noise(eta: {args.noise:g}) }}"
        net = common.variant(example, tag, optimizer=optimizer,
                             train=f"train {{ batch: 500, epochs: {args.epochs}, seed: {args.seed}{search} }}")
        r = common.train(net, tag + ("" if args.lr is None else f"_lr{args.lr:g}"),
                         extra=[] if args.lr is None else ["--lr", str(args.lr)])
        losses = [common.num(s["loss"]) if not isinstance(s["loss"], str) else float(s["loss"]) for s in r["steps"]]
        finite = [x for x in losses if math.isfinite(x)]
        e = r["epochs"]
        rows.append([example, common.pct(common.final_error(r)), len(e),
                     f"{e[-1]['train_loss']:.4f}" if e else "—",
                     f"{max(finite):.3g}" if finite else "—",
                     " → ".join(str(s["chosen"]) for s in r["searches"]), common.status(r),
                     f"{r['wall']:.0f} s", f"`{r['command']}`"])
    text = common.table(["model", "final test error", "epochs done", "last train loss", "largest batch loss",
                         "searched lr", "status", "wall", "command"], rows)
    common.save_table("exp4" + ("" if args.lr is None else f"_lr{args.lr:g}")
                      + (f"_noise{args.noise:g}" if args.noise else ""), text)


if __name__ == "__main__":
    main()
