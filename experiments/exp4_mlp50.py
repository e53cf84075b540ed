#!/usr/bin/env python3
"""Experiment 4 (SGD2 paper, section 3, Fig. 3): the 50-layer, 20-wide MLP with RMS
normalisation before every linear layer, trained with SGD2: with the modulus unit it learns
(examples/mlp50_modu.net), its ReLU twin (examples/mlp50_relu.net) explodes.

    python3 experiments/exp4_mlp50.py [--epochs 20] [--lr 1] [--noise 0.3] [--seeds 1 2 3] [--d0 0] [--lambda 10]

The examples follow the paper's stated setup (no RMS norm on the raw pixels, σ = 0.01, batch
500, λ = 1, the learning rate searched at the start and in the middle of 20 epochs). `--d0 0`
starts every RMS norm from d = 0 as the authors' LightNet does (nnc starts from 1) through
`nnc train --init` with a checkpoint rewritten by experiments/fresh_init.py. `--authors` runs in
the authors' semantics (common.AUTHORS_*, LightNet's default decay 1e-4; tags get _authors).
"""
import argparse
import math
import os
import subprocess
import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--search-every", type=int, default=10, help="epochs between learning-rate searches (the papers: 10 of 20)")
    ap.add_argument("--lr", type=float, help="a fixed learning rate instead of the search")
    ap.add_argument("--noise", type=float, help="SGD2's gradient noise η (γ 0.55), which the paper tried on deep nets")
    ap.add_argument("--seeds", type=int, nargs="+", help="run each seed (tags get _s<seed>); overrides --seed")
    ap.add_argument("--d0", type=float, help="start every RMS norm's running d from this value (LightNet: 0)")
    ap.add_argument("--lambda", dest="lam", type=float, help="SGD2's λ (the paper: 1)")
    ap.add_argument("--authors", action="store_true", help="the authors' semantics; tags get _authors")
    args = ap.parse_args()
    authors_search = f", {common.AUTHORS_SEARCH}" if args.authors else ""
    search = f", lr_search: search(every: {args.search_every}, steps: 30{authors_search})" if args.lr is None else ""
    rows = []
    seeds = args.seeds or [args.seed]
    runs = [(e, s) for s in seeds for e in ["examples/mlp50_modu.net", "examples/mlp50_relu.net"]]
    for example, seed in runs:
        tag = "exp4_" + example.split("/")[-1][:-4]
        if args.noise:
            tag += f"_noise{args.noise:g}"
        if args.lam is not None:
            tag += f"_lambda{args.lam:g}"
        if args.d0 is not None:
            tag += f"_d{args.d0:g}"
        if args.authors:
            tag += "_authors"
        if args.seeds:
            tag += f"_s{seed}"
        optimizer = None
        if args.noise or args.lam is not None or args.authors:
            lam = 1 if args.lam is None else args.lam
            noise = f", noise: noise(eta: {args.noise:g})" if args.noise else ""
            noise += f", {common.AUTHORS_SGD2}, weight_decay: {common.AUTHORS_DECAY:g}" if args.authors else ""
            optimizer = f"optimizer sgd2 {{ lr: 0.1, momentum: 0.9, lambda: {lam:g}, chunk: 500, samples: 500, every: 1{noise} }}"
        net = common.variant(example, tag, optimizer=optimizer, authors=args.authors,
                             train=f"train {{ batch: 500, epochs: {args.epochs}, seed: {seed}{search} }}")
        extra = [] if args.lr is None else ["--lr", str(args.lr)]
        if args.d0 is not None:
            # A checkpoint of the net's layout (one step), rewritten as a fresh start with d = d0.
            layout = os.path.join(common.OUT, tag + ".layout.safetensors")
            start = os.path.join(common.OUT, tag + ".init.safetensors")
            d = common.data_dir()
            subprocess.run([common.nnc_binary(), "train", net, "--epochs", "1", "--limit", "1000", "--threads", "1",
                            "--checkpoint", layout] + (["--data", d] if d else []), check=True, capture_output=True)
            subprocess.run(["python3", os.path.join(common.ROOT, "experiments", "fresh_init.py"), layout, start,
                            "--seed", str(seed), "--d0", f"{args.d0:g}"], check=True)
            extra += ["--init", os.path.relpath(start, common.ROOT)]
        r = common.train(net, tag + ("" if args.lr is None else f"_lr{args.lr:g}"), extra=extra)
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
                      + (f"_noise{args.noise:g}" if args.noise else "")
                      + (f"_lambda{args.lam:g}" if args.lam is not None else "")
                      + (f"_d{args.d0:g}" if args.d0 is not None else "")
                      + ("_authors" if args.authors else "")
                      + ("_s" + "_".join(map(str, seeds)) if args.seeds else ""), text)


if __name__ == "__main__":
    main()
