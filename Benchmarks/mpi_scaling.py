#!/usr/bin/env python3
"""Data parallelism on this machine (issue 19): one process on T threads against N ranks of
T/N threads each (mpirun), the same model, batch and data, interleaved rounds. Per model:
seconds per epoch (training only: the log's `seconds`, the best epoch of each run, median over
rounds), the ratio to one process on all threads, and the allreduce's share of a rank's
training time (nnc prints the time its collectives took). Then a projection on paper to 8, 64
and 256 nodes over 10 and 100 Gb/s Ethernet: the ring allreduce's α–β cost,
t = 2(N−1)·α + (bytes each rank sends)/β, with the bytes from `nnc plan --ranks N` (the fused
buffer, and SGD2's factors spread over the steps between formations), beside the step time
measured here on one node.

    swift build -c release --traits MPI --scratch-path .build-mpi
    python3 Benchmarks/mpi_scaling.py [--rounds 3] [--epochs 2]

MNIST under $NNC_DATA or ../shared/data. Run it on a quiet machine: two ranks on two cores
leave nothing for anyone else.
"""
import argparse, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
sys.path.insert(0, os.path.join(ROOT, "experiments"))
import bench_common  # noqa: E402
import common  # noqa: E402

NNC = os.path.join(ROOT, ".build-mpi", "release", "nnc")
# (name, file, training samples: all 60 000 for the MLPs, the first 12 000 for the conv net,
# whose train block is replaced: its learning-rate search would time 240 extra steps).
MODELS = [("MLP, SGD", "examples/mnist_mlp_sgd.net", 0), ("MLP, SGD2", "examples/mnist_mlp.net", 0),
          ("conv, SGD2", "examples/cifar_conv_mnist.net", 12000)]
TRAIN = {"examples/cifar_conv_mnist.net": "train { batch: 100, epochs: 2, seed: 1 }"}


def data_dir():
    for d in [os.environ.get("NNC_DATA", ""), os.path.join(ROOT, "..", "shared", "data")]:
        if d and os.path.isdir(os.path.join(d, "mnist")):
            return d
    sys.exit("MNIST not found: set NNC_DATA")


def run(model, ranks, threads, epochs, limit):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    with tempfile.TemporaryDirectory() as d:
        if model in TRAIN:
            text = common._replace_block(open(os.path.join(ROOT, model)).read(), "train", TRAIN[model])
            model = os.path.join(d, os.path.basename(model))
            open(model, "w").write(text)
        log = os.path.join(d, "run.jsonl")
        cmd = [NNC, "train", model, "--threads", str(threads), "--epochs", str(epochs), "--log", log,
               "--checkpoint", os.path.join(d, "c.safetensors"), "--data", data_dir()]
        if limit:
            cmd += ["--limit", str(limit)]
        if ranks > 1:
            cmd = ["mpirun", "--oversubscribe", "--bind-to", "core", "-np", str(ranks)] + cmd
        out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout
        epochs_seen = [json.loads(l) for l in open(log) if '"type":"epoch"' in l]
    seconds = min(e["seconds"] for e in epochs_seen)
    m = re.search(r"allreduce: ([0-9.]+) s of ([0-9.]+) s", out)
    share = float(m.group(1)) / float(m.group(2)) if m else 0.0
    return seconds, share


# Assumed links (not measured here): TCP over 10 GbE and 100 GbE, their usual latency and ~90 % of line rate.
LINKS = [("10 GbE", 25e-6, 1.1e9), ("100 GbE", 5e-6, 11e9)]


def bytes_per_step(model, ranks):
    """What each rank sends a step at `ranks` ranks, from nnc plan --ranks (ring allreduce)."""
    out = subprocess.run([NNC, "plan", model, "--ranks", str(ranks), "--batch", str(batch_of(model) * ranks)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    m = re.search(r"sent per step\s+([0-9.]+) (B|KiB|MiB|GiB)", out)
    return float(m.group(1)) * {"B": 1, "KiB": 1024, "MiB": 1024 ** 2, "GiB": 1024 ** 3}[m.group(2)]


def batch_of(model):
    text = TRAIN.get(model) or open(os.path.join(ROOT, model)).read()
    return int(re.search(r"batch:\s*(\d+)", text).group(1))


def projection(name, model, step_seconds):
    """Weak scaling (each node keeps the file's batch: efficiency t/(t + comm)) and strong
    scaling (the global batch split N ways: speedup t/(t/N + comm)), per link and node count."""
    rows = []
    for nodes in (8, 64, 256):
        sent = bytes_per_step(model, nodes)
        cells = []
        for _, alpha, beta in LINKS:
            comm = 2 * (nodes - 1) * alpha + sent / beta
            cells += [f"{100 * step_seconds / (step_seconds + comm):.0f} %", f"{step_seconds / (step_seconds / nodes + comm):.1f}×"]
        rows.append(f"| {name} | {nodes} | {sent / 1024:.0f} KiB | " + " | ".join(cells) + " |")
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    a = p.parse_args()
    cores = os.cpu_count()
    configs = [(1, 1), (1, cores), (cores, 1)]
    print(bench_common.header(f"data parallelism: 1 process × T threads against N ranks × 1 thread ({a.rounds} rounds)", nnc=NNC))
    rounds = bench_common.Rounds()
    for _ in range(a.rounds):
        for name, model, limit in MODELS:
            for ranks, threads in configs:
                rounds.run((name, ranks, threads), lambda: run(model, ranks, threads, a.epochs, limit))
    print()
    print("| model | 1 × 1 thread s/epoch | 1 × %d threads | %d ranks × 1 thread | ranks ÷ threads | allreduce share |" % (cores, cores))
    print("|---|---:|---:|---:|---:|---:|")
    for name, _, _ in MODELS:
        one = rounds.median((name, 1, 1))
        threaded = rounds.median((name, 1, cores))
        ranked = rounds.median((name, cores, 1))
        share = rounds.median((name, cores, 1), 1)
        flags = "".join(rounds.flag((name, r, t)) for r, t in configs).strip()
        print(f"| {name} | {one:.3f} | {threaded:.3f} | {ranked:.3f} | {ranked / threaded:.2f} | {100 * share:.1f} % |{flags}")
    print()
    print(rounds.footer())
    print()
    print("projection: ring allreduce t = 2(N−1)·α + sent/β; " + ", ".join(f"{n}: α = {a * 1e6:.0f} µs, β = {b / 1e9:.1f} GB/s"
                                                                    for n, a, b in LINKS) + " (assumed)")
    print("| model | nodes | sent a step | 10 GbE weak efficiency | 10 GbE strong speedup | 100 GbE weak efficiency | 100 GbE strong speedup |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, model, limit in MODELS:
        seconds = rounds.median((name, 1, cores))
        steps = (limit or 60000) // batch_of(model)
        for row in projection(name, model, seconds / steps):
            print(row)


if __name__ == "__main__":
    main()
