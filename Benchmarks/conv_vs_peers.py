#!/usr/bin/env python3
"""Seconds per epoch of the CIFAR-style conv net: nnc against PyTorch and JAX, in the same run.

The model is examples/cifar_conv.net (3x32x32; conv 32 5x5, maxpool 3/2, conv 32 5x5, avgpool
3/2, conv 64 5x5, avgpool 3/2, conv 64 4x4, dense 10), trained with batch 100 and SGD with
momentum 0.9 at lr 0.01 by all three: the file's own optimizer is SGD2, which the peers do not
have, so nnc trains a copy of the file with that optimizer block swapped for SGD (the net block
is untouched). There is no CIFAR-10 on this machine: every tool trains on random CIFAR-shaped
bytes, nnc from CIFAR-10-format binary batches this script writes to a temporary folder.

A full CIFAR epoch is 500 steps; by default each tool times --steps 50 (a tenth) per epoch over
--epochs 3 and the table scales the median to seconds per full epoch (s/epoch = median x 500 /
steps). The ratio is nnc / peer: below 1 means nnc is faster. Each tool runs in its own process,
--rounds times interleaved; the table gives the median over rounds with its range, under the CPU
model and the load, and marks * a run that started while another task wanted a core (--strict
refuses the table instead).

  python3 Benchmarks/conv_vs_peers.py [--steps 50] [--epochs 3] [--rounds 3] [--threads 1,2]
                                      [--nnc PATH] [--strict]
"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile

from bench_common import Rounds, header

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEERS = os.path.join(ROOT, "Benchmarks", "peers")
BATCH, LR = 100, 0.01


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time -v; returns (stdout, peak RSS in MiB)."""
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return p.stdout, (int(rss.group(1)) / 1024 if rss else float("nan"))


def write_cifar(folder, samples, seed=0):
    """CIFAR-10 binary batches of random bytes: five training files and a small test file."""
    import random
    rng = random.Random(seed)
    d = os.path.join(folder, "cifar-10-batches-bin")
    os.makedirs(d)
    per = samples // 5
    for name, count in [(f"data_batch_{i}.bin", per) for i in range(1, 6)] + [("test_batch.bin", BATCH)]:
        with open(os.path.join(d, name), "wb") as f:
            for _ in range(count):
                f.write(bytes([rng.randrange(10)]) + rng.randbytes(3072))


def sgd_copy(source, epochs):
    """The .net text with its optimizer and train blocks replaced (the net block untouched)."""
    text = open(source).read()
    text = re.sub(r"optimizer \w+ \{.*?\n\}", f"optimizer sgd {{\n  lr: {LR}\n  momentum: 0.9\n}}", text, flags=re.S)
    text = re.sub(r"train \{.*?\n\}", f"train {{\n  batch: {BATCH}\n  epochs: {epochs}\n}}", text, flags=re.S)
    return text


def nnc(binary, threads, steps, epochs):
    with tempfile.TemporaryDirectory() as tmp:
        write_cifar(tmp, steps * BATCH)
        net = os.path.join(tmp, "cifar_conv_sgd.net")
        open(net, "w").write(sgd_copy(os.path.join(ROOT, "examples/cifar_conv.net"), epochs))
        log = os.path.join(tmp, "run.jsonl")
        _, rss = timed([binary, "train", net, "--data", tmp, "--threads", str(threads), "--log", log,
                        "--checkpoint", os.path.join(tmp, "w.safetensors")])
        records = [json.loads(l) for l in open(log)]
        secs = [r["seconds"] for r in records if r.get("type") == "epoch"]
        return statistics.median(secs), rss


def peer(python, script, threads, steps, epochs):
    out, rss = timed([python, os.path.join(PEERS, script), "--threads", str(threads), "--steps", str(steps),
                      "--epochs", str(epochs), "--batch", str(BATCH), "--lr", str(LR)])
    r = json.loads(next(l for l in out.splitlines() if l.startswith("RESULT "))[len("RESULT "):])
    return r["median_s"], rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds of every tool (median reported)")
    ap.add_argument("--threads", default=f"1,{os.cpu_count()}")
    ap.add_argument("--python", default=os.path.join(os.path.dirname(ROOT), ".venv-peers/bin/python"))
    ap.add_argument("--strict", action="store_true", help="refuse the table when any run started on a busy machine")
    ap.add_argument("--nnc", default=os.path.join(ROOT, ".build/release/nnc"), help="the nnc binary")
    a = ap.parse_args()
    full = 50000 // BATCH
    peers = [("pytorch", "conv_torch.py"), ("jax (jit/step)", "conv_jax.py")]
    print(header(f"CIFAR-style conv net, batch {BATCH}, SGD momentum; {a.rounds} interleaved rounds of "
                 f"{a.epochs} x {a.steps} steps", nnc=a.nnc), flush=True)
    rounds = Rounds()
    threads = [int(x) for x in a.threads.split(",")]
    rounds.interleave(a.rounds, threads, lambda t: nnc(a.nnc, t, a.steps, a.epochs),
                      [(name, lambda t, s=script: peer(a.python, s, t, a.steps, a.epochs)) for name, script in peers])
    if a.strict and rounds.busy:
        sys.exit("refused: " + rounds.footer())
    scale = full / a.steps
    print(f"median s per {full}-step epoch over rounds, [min-max]; ratio = nnc / peer, of the medians")
    print(f"{'threads':>7}  {'tool':<15} {'s/epoch':>8} {'range':>15} {'ratio':>6} {'peak RSS MiB':>12}")
    for t in threads:
        ours = rounds.median((t, "nnc"))
        for name in ["nnc"] + [p[0] for p in peers]:
            key = (t, name)
            if key not in rounds.values:
                continue
            s = rounds.median(key)
            lo, hi = rounds.spread(key)
            rss = rounds.last(key)[1]
            r = "     -" if name == "nnc" else f"{ours / s:6.2f}"
            print(f"{t:>7}  {name:<15} {s * scale:8.2f}{rounds.flag(key)} {f'[{lo * scale:.2f}-{hi * scale:.2f}]':>15} {r} {rss:12.0f}")
    print(rounds.footer())


if __name__ == "__main__":
    main()
