#!/usr/bin/env python3
"""Experiment 5 (SGD2 paper, section 3, stability, Fig. 3c): the operator-norm upper bound of
the trained 10-layer modulus-unit MLP (examples/mlp10_modu.net, SGD2, 20 epochs), without and
with weight decay 0.001. The paper: 1230.6 and 0.27.

The bound (docs/ALGORITHMS.md "Operator-norm upper bound") is computed here from the checkpoint:
Π_i σ_max(W_i) · Π_j max_k 1/√(d̂_jk + ε_j), d̂ = d/(1 − 0.1^t) the running mean of x² of each
RMS normalisation after t updates, ε_j = 0.01·max_k d̂_jk + 1e-6 (what the forward pass uses);
σ_max by numpy's SVD (exact, in Double) — the modulus unit contributes 1. Every RMS norm the
checkpoint holds is counted, however many there are.

The default is the paper's layout (examples/mlp10_modu.net since 1b4f712: no RMS norm on the raw
pixels); `--input-norm` puts one back in front of the first dense layer, the earlier layout.
`--authors` runs the net in its authors' semantics (examples/mlp10_modu_authors.net: centred raw
pixels, LightNet's averaged momentum with the decay in the velocity, the first layer uncorrected,
ε from the uncorrected d, the search on the epoch's batches; tags get _authors) and computes the
gains with that ε, ε_j = 0.01·max_k (d_jk + 1e-6).

    python3 experiments/exp5_operator_norm.py [--epochs 20] [--authors]
"""
import argparse
import json
import os
import struct
import numpy as np
import common


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(body[a:b], dtype="<f4").reshape(info["shape"]).astype(np.float64)
    return out


def bound(path, eps_of_running=False):
    t = read_safetensors(path)
    # Parameters are LAYER.weight; optimizer state (sgd2.velocity.LAYER.weight) has more dots.
    def layer_order(name):
        stem = name.split(".")[0]
        digits = "".join(c for c in stem if c.isdigit())
        return (stem.rstrip("0123456789"), int(digits or 0))
    weights = sorted((k for k in t if k.endswith(".weight") and k.count(".") == 1 and t[k].ndim == 2), key=layer_order)
    norms = sorted((k[:-2] for k in t if k.endswith(".d") and k.count(".") == 1), key=layer_order)
    sigma = [float(np.linalg.svd(t[w], compute_uv=False)[0]) for w in weights]
    gains, medians = [], []
    for n in norms:
        d, steps = t[n + ".d"], t.get(n + ".steps")
        updates = int(steps.reshape(-1)[0]) if steps is not None else 0
        dh = d / (1 - 0.1 ** updates) if updates > 0 else d
        eps = 0.01 * (d.max() + 1e-6) if eps_of_running else 0.01 * dh.max() + 1e-6
        g = 1 / np.sqrt(dh + eps)
        gains.append(float(g.max()))
        medians.append(float(np.median(g)))
    # A norm on the raw pixels comes before the first dense layer and has as many features as
    # that layer has inputs (the hidden norms have the hidden width).
    input_norm = (len(norms) == len(weights) and len(norms) > 0
                  and t[norms[0] + ".d"].size == t[weights[0]].shape[1])
    return float(np.prod(sigma) * np.prod(gains)), sigma, gains, weights, norms, medians, input_norm


def variants(sigma, gains, medians, input_norm):
    """The bound's variants EXPERIMENTS.md 5 reports beside the definition (not the definition):
    each norm's median gain in place of its largest ("normalization factors are mostly around
    1.0"); and, when the net has a norm on the raw pixels (which the paper's hidden-layer norms
    and its authors' LightNet net_init do not have), both without that norm."""
    s = np.prod(sigma)
    out = {"median gains": s * np.prod(medians)}
    if input_norm:
        out.update({"no input norm": s * np.prod(gains[1:]),
                    "median gains, no input norm": s * np.prod(medians[1:])})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--search-every", type=int, default=10, help="epochs between learning-rate searches (the papers: 10 of 20)")
    ap.add_argument("--decays", type=float, nargs="+", default=[0, 0.001])
    ap.add_argument("--reuse", action="store_true", help="read the bound from existing runs' checkpoints and logs")
    ap.add_argument("--input-norm", action="store_true",
                    help="the earlier layout, not the paper's: an RMS norm on the raw pixels too (tags get _inputnorm)")
    ap.add_argument("--authors", action="store_true", help="the authors' semantics (common.AUTHORS_*); tags get _authors")
    ap.add_argument("--scaled-pixels", action="store_true",
                    help="with --authors, an ablation: nnc's pixels (×1/255, not centred) instead of LightNet's; tags get _scaled")
    args = ap.parse_args()
    rows, details = [], []
    paper = {0: "1230.6", 0.001: "0.27"}
    for wd in args.decays:
        wd = int(wd) if wd == 0 else wd
        # Seed 1 keeps the plain tags EXPERIMENTS.md names; other seeds get _s<seed>.
        tag = (f"exp5_mlp10_modu_wd{wd}" + ("_inputnorm" if args.input_norm else "") + ("_authors" if args.authors else "")
               + ("_scaled" if args.scaled_pixels else "")
               + (f"_s{args.seed}" if args.seed != 1 else ""))
        subs = [("  input [784]\n", "  input [784]\n  rmsnorm\n")] if args.input_norm else []
        extra = f", {common.AUTHORS_SGD2}" if args.authors else ""
        search = f", {common.AUTHORS_SEARCH}" if args.authors else ""
        net = common.variant("examples/mlp10_modu.net", tag, substitutions=subs, authors=args.authors,
                             authors_pixels=not args.scaled_pixels,
                             optimizer=f"optimizer sgd2 {{ momentum: 0.9, lambda: 1, chunk: 500, samples: 500, every: 1, weight_decay: {wd}{extra} }}",
                             train=f"train {{ batch: 500, epochs: {args.epochs}, seed: {args.seed}, "
                                   f"lr_search: search(every: {args.search_every}, steps: 30{search}) }}")
        if args.reuse:
            r = common.read_log(os.path.join(common.OUT, tag + ".jsonl"))
            r.update(status=0, wall=r["end"].get("seconds", float("nan")),
                     command=f"nnc train {os.path.relpath(net, common.ROOT)} --threads 1",
                     checkpoint=os.path.join(common.OUT, tag + ".safetensors"))
        else:
            r = common.train(net, tag)
        if r["status"] != 0:
            rows.append([wd, paper.get(wd, "—"), "—", "—", "—", common.status(r), f"{r['wall']:.0f} s", f"`{r['command']}`"])
            continue
        b, sigma, gains, weights, norms, medians, input_norm = bound(r["checkpoint"], eps_of_running=args.authors)
        rows.append([wd, paper.get(wd, "—"), f"{b:.4g}", f"{np.prod(sigma):.4g}", f"{np.prod(gains):.4g}",
                     common.pct(common.final_error(r)), f"{r['wall']:.0f} s", f"`{r['command']}`"])
        details.append(f"wd {wd}: {len(weights)} dense layers, {len(norms)} RMS norms"
                       + (" (the first on the pixels)" if input_norm else " (none on the pixels)")
                       + f"; bound (definition) {b:.4g}"
                       + "; σ_max per dense layer " + ", ".join(f"{s:.3g}" for s in sigma)
                       + "; largest RMS-norm gain per norm " + ", ".join(f"{g:.3g}" for g in gains)
                       + "; median gain per norm " + ", ".join(f"{g:.3g}" for g in medians)
                       + "; variants (not the definition): "
                       + ", ".join(f"{k} {v:.4g}" for k, v in variants(sigma, gains, medians, input_norm).items()))
    text = common.table(["weight decay", "paper's bound", "our bound", "Π σ_max", "Π max gain",
                         "test error", "wall", "command"], rows)
    print("\n".join(details))
    common.save_table("exp5" + ("" if args.decays == [0, 0.001] else "_wd" + "_".join(f"{d:g}" for d in args.decays))
                      + ("_inputnorm" if args.input_norm else "") + ("_authors" if args.authors else "")
                      + ("_scaled" if args.scaled_pixels else "")
                      + (f"_s{args.seed}" if args.seed != 1 else ""),
                      text, "\n".join(details))


if __name__ == "__main__":
    main()
