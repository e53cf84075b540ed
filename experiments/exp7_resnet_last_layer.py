#!/usr/bin/env python3
"""Experiment 7.3 (layer-wise conditioning paper, claim 3): "the last linear layer of a very deep
residual network is ill-conditioned; adding a single batch normalisation before it fixes that
and improves on both the original and the pre-activation residual networks".

Three forms of one ResNet-20 layout (21 convolutions, 8-16-32 channels, then a dense layer):
examples/resnet20_mnist.net (original, post-activation), resnet20_preact_mnist.net
(pre-activation) and resnet20_bn_mnist.net (original + one batch norm before the last linear
layer). The paper trains on CIFAR-10/100 and ImageNet; CIFAR-10 is not on this machine, so this
runs on MNIST, and at one CPU thread on the first --limit training images for --epochs epochs
(a fixed budget, the same for every form), SGD momentum 0.9, lr 0.1, weight decay 1e-4.
Per run, at the last analysis record: the head's general (λ1/λk) and full condition numbers of
A = E[x xᵀ] and the general one of S, against the median and maximum over the convolutions
(conv1 left out: it reads one channel, so its A is 1×1); the test error at the end.

    python3 experiments/exp7_resnet_last_layer.py [--seeds 1 2 3] [--limit 10240] [--epochs 3] [--decay]

--decay divides the rate by 10 after every 2 epochs (resnet_small_mnist.net's schedule), so the
last epoch settles batch norm's running statistics at a small step; its runs and table carry
"_decay" in their names.
"""
import argparse
import common
import layerwise as lw

FORMS = [("original", "examples/resnet20_mnist.net"),
         ("pre-activation", "examples/resnet20_preact_mnist.net"),
         ("original + BN before the last linear layer", "examples/resnet20_bn_mnist.net")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--limit", type=int, default=10240)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--decay", action="store_true", help="lr ÷ 10 every 2 epochs")
    args = ap.parse_args()

    rows, summary = [], []
    for label, example in FORMS:
        name = example.split("/")[-1][:-4]
        errors, heads, others, walls = [], [], [], []
        for seed in args.seeds:
            tag = f"exp7_{name}" + ("_decay" if args.decay else "") + f"_s{seed}"
            schedule = ", schedule: step(every: 2, factor: 0.1)" if args.decay else ""
            net = common.variant(example, tag,
                                 train=f"train {{ batch: 128, epochs: {args.epochs}, seed: {seed}{schedule} }}")
            r = common.train(net, tag, extra=["--analyze", "--limit", str(args.limit), "--log-every", "10"])
            records = lw.analyses(r["log"])
            last = records[-1] if records else {"layers": []}
            convs = [l for l in lw.layer_names(records) if l.startswith("conv") and l != "conv1"]
            conv_a = [lw.field(last, l, "input_general_condition") for l in convs]
            head = {k: lw.field(last, "head", k) for k in
                    ["input_general_condition", "input_condition", "output_general_condition", "input_eig_max"]}
            first_head = lw.field(records[0], "head", "input_general_condition") if records else float("nan")
            errors.append(100 * common.final_error(r))
            heads.append(head["input_general_condition"])
            others.append(lw.median(conv_a))
            walls.append(r["wall"])
            rows.append([label, seed, f"{first_head:.3g} → {head['input_general_condition']:.3g}",
                         f"{head['input_condition']:.3g}", f"{lw.median(conv_a):.3g}",
                         f"{max(conv_a, default=float('nan')):.3g}",
                         f"{head['output_general_condition']:.3g}",
                         f"{lw.median([lw.field(last, l, 'output_general_condition') for l in convs]):.3g}",
                         common.pct(common.final_error(r)), common.status(r), f"{r['wall']:.0f} s"])
        summary.append([label, lw.spread(heads), lw.spread(others), lw.spread(errors) + " %",
                        f"{sum(walls):.0f} s"])
    detail = common.table(["form", "seed", "head: general cond A (first → last record)", "head: full cond A",
                           "convs: median general cond A", "convs: max general cond A",
                           "head: general cond S", "convs: median general cond S", "test error", "status",
                           "wall"], rows)
    head = common.table(["form", "head: general cond A", "convs: median general cond A", "test error",
                         "wall (all seeds)"], summary)
    notes = (f"ResNet-20 layout (8-16-32 channels), first {args.limit} MNIST training images, {args.epochs} "
             f"epochs{', lr ÷ 10 after epoch 2' if args.decay else ''}, seeds {args.seeds}, a record after every epoch; median (min–max) over seeds:\n\n" + head
             + "\n\nPer run, at the last record:\n")
    common.save_table("exp7_resnet" + ("_decay" if args.decay else ""), notes + "\n" + detail)


if __name__ == "__main__":
    main()
