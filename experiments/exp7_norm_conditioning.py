#!/usr/bin/env python3
"""Experiment 7.1 (layer-wise conditioning paper, claim 1): "batch normalisation improves the
layer-wise conditioning of the optimisation problem". The same net plain, with batch norm, with
layer norm and with RMS norm after every hidden linear layer (examples/mnist_mlp_bn.net, or
examples/mnist_conv_bn.net with --model conv, the norm swapped by text substitution), trained
with SGD + momentum on MNIST, `--analyze` recording each dense/conv layer's factors A = E[x xᵀ]
and S = E[δ δᵀ]. Per layer and form: the general condition number λ1/λk (docs/ALGORITHMS.md)
and the full one λmax/λmin of A and of S, at the first and the last record, median over seeds
(min–max in brackets), and the test error.

The paper's own nets (CIFAR/ImageNet) are not reproduced: CIFAR-10 is not on this machine and
the CPU budget is minutes. The conv net runs on the first --limit training images.

    python3 experiments/exp7_norm_conditioning.py [--model mlp|conv] [--seeds 1 2 3] [--epochs 5]
        [--limit N] [--analyze-every N] [--lr RATE]

--lr replaces the example's rate (0.05, momentum 0.9 kept); its runs and table carry the rate
in their names.
"""
import argparse
import common
import layerwise as lw

MODELS = {
    # (example, default epochs, default --limit, default records per epoch)
    "mlp": ("examples/mnist_mlp_bn.net", 5, None, 4),
    "conv": ("examples/mnist_conv_bn.net", 3, 20000, 1),
}
FORMS = ["plain", "batchnorm", "layernorm", "rmsnorm"]


def run(model, form, seed, epochs, limit, every, lr):
    example = MODELS[model][0]
    tag = f"exp7_{model}_{form}" + (f"_lr{lr:g}" if lr else "") + f"_s{seed}"
    optimizer = f"optimizer sgd {{ lr: {lr:g}, momentum: 0.9 }}" if lr else None
    # The examples hold exactly one `  batchnorm` line, in the block every hidden layer uses.
    swap = ("  batchnorm\n", "" if form == "plain" else f"  {form}\n")
    net = common.variant(example, tag, substitutions=[swap], optimizer=optimizer,
                         train=f"train {{ batch: 128, epochs: {epochs}, seed: {seed} }}")
    # Every 10th step record only: the logs are committed, the analysis records are what counts.
    extra = ["--log-every", "10"] + (["--analyze-every", str(every)] if every else ["--analyze"])
    if limit:
        extra += ["--limit", str(limit)]
    r = common.train(net, tag, extra=extra)
    r["analyses"] = lw.analyses(r["log"])
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), default="mlp")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--analyze-every", type=int, help="steps between records (default: a few per epoch)")
    ap.add_argument("--lr", type=float, help="learning rate instead of the example's")
    args = ap.parse_args()
    example, epochs, limit, per_epoch = MODELS[args.model]
    epochs = args.epochs or epochs
    limit = args.limit or limit
    steps = -(-(limit or 60000) // 128)
    every = args.analyze_every or (steps // per_epoch if per_epoch > 1 else None)

    results = {(f, s): run(args.model, f, s, epochs, limit, every, args.lr) for f in FORMS for s in args.seeds}
    layers = lw.layer_names(results[("plain", args.seeds[0])]["analyses"])

    rows = []
    for form in FORMS:
        for layer in layers:
            cells = [form, layer]
            for name in ["input_general_condition", "output_general_condition", "input_condition", "output_condition"]:
                first = [lw.field(results[(form, s)]["analyses"][0], layer, name)
                         for s in args.seeds if results[(form, s)]["analyses"]]
                last = [lw.field(results[(form, s)]["analyses"][-1], layer, name)
                        for s in args.seeds if results[(form, s)]["analyses"]]
                cells.append(f"{lw.spread(first)} → {lw.spread(last)}")
            rows.append(cells)
    detail = common.table(["form", "layer", "general cond A (first → last record)", "general cond S",
                           "full cond A", "full cond S"], rows)

    # Over the whole run: the geometric mean over layers of each record's general condition
    # number, then the median over records and seeds: one number per form and factor.
    summary = []
    for form in FORMS:
        runs = [results[(form, s)] for s in args.seeds]
        cells = [form]
        for name in ["input_general_condition", "output_general_condition", "input_condition", "output_condition"]:
            per_run = [lw.median([lw.geomean([lw.field(rec, l, name) for l in layers]) for rec in r["analyses"]])
                       for r in runs]
            cells.append(lw.spread(per_run))
        cells.append(lw.spread([100 * common.final_error(r) for r in runs]) + " %")
        cells.append(" / ".join(common.status(r) for r in runs))
        cells.append(f"{sum(r['wall'] for r in runs):.0f} s")
        summary.append(cells)
    head = common.table(["form", "general cond A", "general cond S", "full cond A", "full cond S",
                         "test error", "status", "wall (all seeds)"], summary)
    # Over training: the geometric mean over layers at each epoch's last record, median over seeds.
    trajectory = []
    for name, factor in [("input_general_condition", "A"), ("output_general_condition", "S")]:
        for form in FORMS:
            per_seed = []
            for s in args.seeds:
                records = results[(form, s)]["analyses"]
                ends = {rec["epoch"]: rec for rec in records}
                per_seed.append([lw.geomean([lw.field(ends[e], l, name) for l in layers]) if e in ends else float("nan")
                                 for e in range(1, epochs + 1)])
            trajectory.append([factor, form] + [f"{lw.median([p[e] for p in per_seed]):.3g}" for e in range(epochs)])
    over = common.table(["factor", "form"] + [f"epoch {e}" for e in range(1, epochs + 1)], trajectory)
    r0 = results[("plain", args.seeds[0])]
    notes = (f"{args.model}: {example}, lr {args.lr or 'as the example'}, {epochs} epochs, limit {limit or 60000}, seeds {args.seeds}, "
             f"a record every {every or steps} steps; command per run: `{r0['command']}`\n\n"
             "Per form, the geometric mean over layers of each record's condition number, the median over "
             "records, then median (min–max) over seeds:\n\n" + head
             + "\n\nGeneral condition numbers over training: the geometric mean over layers at each epoch's last "
             "record, median over seeds:\n\n" + over
             + "\n\nPer layer, first record → last record, median (min–max) over seeds:\n")
    common.save_table(f"exp7_norms_{args.model}" + (f"_lr{args.lr:g}" if args.lr else ""), notes + "\n" + detail)


if __name__ == "__main__":
    main()
