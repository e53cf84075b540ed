#!/usr/bin/env python3
"""Experiment 3 (SGD2 paper, section 3, Fig. 2d and Table 2): initialisation robustness. The
10-layer RMS-norm MLP (examples/mlp10_rmsnorm.net) with every weight drawn from N(0, σ²),
σ from 1e-4 to 1e4, trained with SGD2 (learning rate searched). The paper (20 epochs): test
error below 2 % for σ < 10, 3.13 % at worst (σ = 1e4, with slightly more weight decay for the
large σ — the amount is not given; none by default, `--weight-decay` adds it). The substitution
replaces every `normal(0.01)` of the example, the output layer's too.

`--authors` runs in the authors' semantics (common.AUTHORS_*; LightNet's default decay 1e-4 in
the velocity unless `--weight-decay` is given; tags get _authors).

    python3 experiments/exp3_init_sigma.py [--epochs 20] [--sigmas 1e-4 1e-2 1 10 100 1e3 1e4] [--authors]
"""
import argparse
import common


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--sigmas", nargs="+", default=["1e-4", "1e-2", "1", "10", "100", "1e3", "1e4"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--search-every", type=int, default=10, help="epochs between learning-rate searches (the papers: 10 of 20)")
    ap.add_argument("--weight-decay", type=float, default=0, help="the paper adds 'slightly' more for large σ")
    ap.add_argument("--output-sigma", help="a diagnostic, not the paper's: the output layer keeps this σ "
                    "(tags get _out<σ>), so only the layers behind an RMS norm or the pixels get σ")
    ap.add_argument("--authors", action="store_true", help="the authors' semantics; tags get _authors")
    args = ap.parse_args()
    if args.authors and not args.weight_decay:
        args.weight_decay = common.AUTHORS_DECAY
    wd = f", weight_decay: {args.weight_decay:g}" if args.weight_decay else ""
    wd += f", {common.AUTHORS_SGD2}" if args.authors else ""
    search = f", {common.AUTHORS_SEARCH}" if args.authors else ""
    suffix = "_authors" if args.authors else ""
    rows = []
    for sigma in args.sigmas:
        tag = (f"exp3_sigma_{sigma}" + (f"_wd{args.weight_decay:g}" if args.weight_decay else "")
               + (f"_out{args.output_sigma}" if args.output_sigma else "") + suffix)
        value = repr(float(sigma))
        subs = [("normal(0.01)", f"normal({value})")]
        if args.output_sigma:
            # The output layer is the one dense layer whose scale no RMS norm undoes: its σ sets
            # the logits' scale. Mark it first, so that the σ substitution passes it by.
            subs = ([("dense 10, init: normal(0.01)", "dense 10, init: OUTPUT_INIT")] + subs
                    + [("OUTPUT_INIT", f"normal({float(args.output_sigma)!r})")])
        net = common.variant("examples/mlp10_rmsnorm.net", tag, substitutions=subs, authors=args.authors,
                             optimizer=f"optimizer sgd2 {{ momentum: 0.9, lambda: 1, chunk: 500, samples: 500, every: 1{wd} }}",
                             train=f"train {{ batch: 500, epochs: {args.epochs}, seed: {args.seed}, "
                                   f"lr_search: search(every: {args.search_every}, steps: 30{search}) }}")
        r = common.train(net, tag)
        first = r["epochs"][0].get("test_error") if r["epochs"] else None
        rows.append([sigma, common.pct(common.final_error(r)),
                     common.pct(common.num(first)) if first is not None else "—",
                     " → ".join(str(s["chosen"]) for s in r["searches"]), common.status(r),
                     f"{r['wall']:.0f} s"])
    text = common.table(["σ", f"test error after {args.epochs} epochs", "after epoch 1", "searched lr",
                         "status", "wall"], rows)
    common.save_table("exp3" + (f"_wd{args.weight_decay:g}" if args.weight_decay else "")
                      + (f"_out{args.output_sigma}" if args.output_sigma else "") + suffix, text, f"command per row: nnc train experiments/out/exp3_sigma_<σ>.net (epochs {args.epochs})")


if __name__ == "__main__":
    main()
