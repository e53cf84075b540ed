#!/usr/bin/env python3
"""Experiment 7.2 (layer-wise conditioning paper, claim 2): "batch normalisation stabilises
training but can give the false impression of a local minimum, which harms learning".

The paper's text on this machine is its abstract only, so the signature is nnc's reading of the
claim, decided from the logs by fixed rules rather than by eye. A run shows it when all of:
  plateau    the training loss falls by less than 1 % per epoch for >= 3 consecutive epochs;
  not a min  that loss is >= 2x the lowest final training loss of the same net (any lr, seed),
             AND restarting from the run's final weights (`--init`) at the small lr 0.05 for
             one epoch lowers it by >= 20 % -- a local minimum would not give way;
  stalled    the layers' weight-gradient RMS (`gradient_rms`, geometric mean over layers) at
             the last record is <= 0.1x its value at the first -- learning stopped because the
             gradient vanished, not because the loss was reached.
The ratios are medians over the layers. The gradient's collapse is explained, if at all, by the other columns: λmax of S (the size of
the back-propagated signal) and σmax of W (batch norm makes a layer's loss invariant to its
weight's scale, so its gradient shrinks as 1/|W| while |W| grows under a large step).

The MLP of examples/mnist_mlp_bn.net, plain and with batch norm, at learning rates from the
example's 0.05 up, on MNIST; no weight decay (as the example), SGD momentum 0.9.

    python3 experiments/exp7_false_minimum.py [--lrs 0.05 0.5 2 8] [--seeds 1 2 3] [--epochs 10]
"""
import argparse
import common
import layerwise as lw

FORMS = ["plain", "batchnorm"]


def train_losses(result):
    return [common.num(e.get("train_loss")) for e in result["epochs"]]


def longest_plateau(losses):
    """Most consecutive epochs (from the second on) whose loss fell by under 1 % (or rose)."""
    best = run = 0
    for before, after in zip(losses, losses[1:]):
        run = run + 1 if after == after and before == before and after > 0.99 * before else 0
        best = max(best, run)
    return best


def ratio(records, layers, name):
    """Median over layers of (last record / first record); a gradient that became exactly 0 counts."""
    if len(records) < 2:
        return float("nan")
    return lw.median([lw.field(records[-1], l, name) / lw.field(records[0], l, name) for l in layers])


def last_max(records, layers, name):
    """The largest value over `layers` at the last record."""
    values = [lw.field(records[-1], l, name) for l in layers] if records else []
    finite = [v for v in values if v == v]
    return max(finite) if finite else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrs", type=float, nargs="+", default=[0.05, 0.5, 2, 8])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    every = 469 // 2

    results = {}
    for form in FORMS:
        for lr in args.lrs:
            for seed in args.seeds:
                tag = f"exp7_fm_{form}_lr{lr:g}_s{seed}"
                swap = ("  batchnorm\n", "" if form == "plain" else "  batchnorm\n")
                net = common.variant("examples/mnist_mlp_bn.net", tag, substitutions=[swap],
                                     optimizer=f"optimizer sgd {{ lr: {lr:g}, momentum: 0.9 }}",
                                     train=f"train {{ batch: 128, epochs: {args.epochs}, seed: {seed} }}")
                r = common.train(net, tag, extra=["--analyze-every", str(every), "--log-every", "10"])
                r["analyses"], r["net"], r["tag"] = lw.analyses(r["log"]), net, tag
                results[(form, lr, seed)] = r

    floor = {form: min((train_losses(r)[-1] for (f, _, _), r in results.items() if f == form and r["epochs"]
                        and train_losses(r)[-1] == train_losses(r)[-1]), default=float("nan")) for form in FORMS}
    rows, found = [], []
    for (form, lr, seed), r in results.items():
        losses = train_losses(r)
        final = losses[-1] if losses else float("nan")
        plateau = longest_plateau(losses)
        layers = lw.layer_names(r["analyses"])
        grad = ratio(r["analyses"], layers, "gradient_rms")
        eig_s = ratio(r["analyses"], layers, "output_eig_max")
        sigma = ratio(r["analyses"], layers, "sigma_max")
        # What the rule does not see: hidden layers whose gradient is exactly zero (every unit
        # behind a dead ReLU layer), and how much of a layer's ReLU output is dead.
        hidden_grad = last_max(r["analyses"], [l for l in layers if l != "head"], "gradient_rms")
        dead = last_max(r["analyses"], layers, "dead_fraction")
        restart = float("nan")
        # The restart only where the first two criteria hold: it is what tells a plateau from a minimum.
        if plateau >= 3 and final >= 2 * floor[form] and r["status"] == 0:
            rr = common.train(r["net"], r["tag"] + "_restart",
                              extra=["--init", r["checkpoint"], "--epochs", "1", "--lr", "0.05"])
            restart = train_losses(rr)[-1] if rr["epochs"] else float("nan")
        shown = (plateau >= 3 and final >= 2 * floor[form] and restart <= 0.8 * final and grad <= 0.1)
        if shown:
            found.append(f"{form} lr {lr:g} seed {seed}")
        rows.append([form, f"{lr:g}", seed, " / ".join(f"{x:.3g}" for x in losses), plateau,
                     f"{final / floor[form]:.3g}" if final == final else "—",
                     f"{restart:.3g}" if restart == restart else "—",
                     f"{grad:.3g}", f"{eig_s:.3g}", f"{sigma:.3g}", f"{hidden_grad:.3g}", f"{dead:.2f}",
                     common.pct(common.final_error(r)), "yes" if shown else "no", common.status(r),
                     f"{r['wall']:.0f} s"])
    text = common.table(["form", "lr", "seed", "train loss per epoch", "longest plateau (epochs)",
                         "final loss / lowest of the net", "loss after the lr-0.05 restart",
                         "grad RMS last/first", "λmax(S) last/first", "σmax(W) last/first",
                         "hidden layers' largest grad RMS, last record", "largest dead fraction, last record",
                         "test error", "signature", "status", "wall"], rows)
    r0 = next(iter(results.values()))
    notes = (f"\nSignature found in: {', '.join(found) if found else 'no run'}.\n"
             f"Lowest final training loss per net: " + ", ".join(f"{f} {floor[f]:.3g}" for f in FORMS)
             + f".\nCommand per run (lr, seed vary): `{r0['command']}`")
    print(notes)
    common.save_table("exp7_false_minimum", text, notes)


if __name__ == "__main__":
    main()
