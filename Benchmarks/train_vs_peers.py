#!/usr/bin/env python3
"""Seconds per epoch of the MNIST MLP: nnc against PyTorch and JAX, measured in the same run.

The model, data, batch and optimizer are the peers' (../shared/peers/README.md):
784-128-128-10, N(0, 0.01^2) weights, batch 500, SGD momentum 0.9, lr 0.1, pixels /255 and
centred. nnc trains examples/mnist_mlp_sgd.net, which says the same. Each tool runs in its own
process, one after the other, on 1 thread and on all cores; the table gives the median seconds
per epoch, the ratio nnc / peer (below 1 means nnc is faster), the test error after the last
epoch and the peak RSS of the whole process (from /usr/bin/time). Every tool runs --rounds
times, interleaved (nnc, the peers, nnc, ...), and the table gives the median over rounds with
its range; the CPU model and the load head the table, and a run that started while another
task wanted a core is marked * (--strict refuses the table instead).

  python3 Benchmarks/train_vs_peers.py [--epochs 3] [--rounds 3] [--python .venv-peers/bin/python]
                                       [--no-jax] [--strict] [--optimizer adam [--lr 0.001]]

With --optimizer adam every tool trains with Adam instead (β 0.9, 0.999, ε 1e-8, bias-corrected,
the peers' --optimizer adam): nnc a copy of examples/mnist_mlp_sgd.net whose optimizer block is
`optimizer adam { lr: LR }`, the peers with --optimizer adam --lr LR.

Needs a release build (swift build -c release) and a Python with torch and jax for the peers
(see ../shared/peers/README.md); a peer whose Python lacks the package is skipped with a note.
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

from bench_common import Rounds, header

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")


def timed(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in MiB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, (int(rss.group(1)) / 1024 if rss else float("nan"))


def nnc(binary, threads, epochs, data, env, optimizer="sgd", lr=None):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "run.jsonl")
        model = os.path.join(ROOT, "examples/mnist_mlp_sgd.net")
        if optimizer == "adam":
            text = re.sub(r"optimizer sgd \{[^}]*\}", f"optimizer adam {{\n  lr: {lr}\n}}", open(model).read())
            model = os.path.join(tmp, "mnist_mlp_adam.net")
            with open(model, "w") as f:
                f.write(text)
        cmd = [binary, "train", model,
               "--data", data, "--threads", str(threads), "--epochs", str(epochs), "--log", log,
               "--checkpoint", os.path.join(tmp, "w.safetensors")]
        _, rss = timed(cmd, env)
        epochs_ = [json.loads(l) for l in open(log) if '"epoch"' in l]
        epochs_ = [e for e in epochs_ if e.get("type") == "epoch"]
        secs = [e["seconds"] for e in epochs_]
        return statistics.median(secs), epochs_[-1].get("test_error", float("nan")) * 100, rss


def peer(script, python, threads, epochs, data, extra=()):
    env = dict(os.environ, NNC_DATA=data)
    out, rss = timed([python, os.path.join(SHARED, "peers", script), "--threads", str(threads),
                      "--epochs", str(epochs), *extra], env)
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    r = json.loads(line[len("RESULT "):])
    return r["median_s_per_epoch"], r["epochs"][-1]["test_error"], rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every tool (median reported)")
    ap.add_argument("--python", default=os.path.join(os.path.dirname(ROOT), ".venv-peers/bin/python"))
    ap.add_argument("--threads", default=f"1,{os.cpu_count()}")
    ap.add_argument("--no-jax", action="store_true")
    ap.add_argument("--strict", action="store_true", help="refuse the table when any run started on a busy machine")
    ap.add_argument("--nnc", default=os.path.join(ROOT, ".build/release/nnc"), help="the nnc binary")
    ap.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    ap.add_argument("--lr", type=float, help="Adam's rate (default 0.001); SGD keeps the example's 0.1")
    a = ap.parse_args()
    data = os.environ.get("NNC_DATA") or os.path.join(SHARED, "data")
    if not os.path.isdir(os.path.join(data, "mnist")):
        sys.exit(f"no mnist/ under {data}: set NNC_DATA (README, 'Data')")
    lr = a.lr if a.lr is not None else 0.001
    adam = ("--optimizer", "adam", "--lr", str(lr)) if a.optimizer == "adam" else ()
    peers = [("pytorch", "mlp_torch.py", adam)]
    if not a.no_jax:
        peers += [("jax (jit/step)", "mlp_jax.py", adam), ("jax (scan)", "mlp_jax.py", ("--scan",) + adam)]
    what = f"MNIST MLP ({'Adam, lr ' + str(lr) if adam else 'SGD'})"
    print(header(f"{what}, {a.epochs} epochs, {a.rounds} interleaved rounds", nnc=a.nnc), flush=True)
    rounds = Rounds()
    threads = [int(x) for x in a.threads.split(",")]
    rounds.interleave(a.rounds, threads, lambda t: nnc(a.nnc, t, a.epochs, data, dict(os.environ), a.optimizer, lr),
                      [(name, lambda t, s=script, x=extra: peer(s, a.python, t, a.epochs, data, x))
                       for name, script, extra in peers])
    if a.strict and rounds.busy:
        sys.exit("refused: " + rounds.footer())
    print("median s/epoch over rounds (lower is better), [min-max]; ratio = nnc / peer, of the medians")
    print(f"{'threads':>7}  {'tool':<15} {'s/epoch':>8} {'range':>13} {'ratio':>6} {'test err %':>10} {'peak RSS MiB':>12}")
    for t in threads:
        ours = rounds.median((t, "nnc"))
        for name in ["nnc"] + [p[0] for p in peers]:
            key = (t, name)
            if key not in rounds.values:
                continue
            s = rounds.median(key)
            lo, hi = rounds.spread(key)
            _, err, rss = rounds.last(key)
            r = "     -" if name == "nnc" else f"{ours / s:6.2f}"
            print(f"{t:>7}  {name:<15} {s:8.3f}{rounds.flag(key)} {f'[{lo:.3f}-{hi:.3f}]':>13} {r} {err:10.2f} {rss:12.0f}")
    print(rounds.footer())


if __name__ == "__main__":
    main()
