#!/usr/bin/env python3
"""Data parallelism on this machine (issue 19): one process on T threads against N ranks of
T/N threads each (mpirun), the same model, batch and data, interleaved rounds. Per model:
seconds per epoch (training only: the log's `seconds`, the best epoch of each run, median over
rounds), the ratio to one process on all threads, and the allreduce's share of a rank's
training time (nnc prints the time its collectives took).

    swift build -c release --traits MPI --scratch-path .build-mpi
    python3 Benchmarks/mpi_scaling.py [--rounds 3] [--epochs 2]

MNIST under $NNC_DATA or ../shared/data. Run it on a quiet machine: two ranks on two cores
leave nothing for anyone else.
"""
import argparse, json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))
import bench_common  # noqa: E402

NNC = os.path.join(ROOT, ".build-mpi", "release", "nnc")
MODELS = [("MLP, SGD", "examples/mnist_mlp_sgd.net"), ("MLP, SGD2", "examples/mnist_mlp.net"),
          ("conv, SGD2", "examples/cifar_conv_mnist.net")]


def data_dir():
    for d in [os.environ.get("NNC_DATA", ""), os.path.join(ROOT, "..", "shared", "data")]:
        if d and os.path.isdir(os.path.join(d, "mnist")):
            return d
    sys.exit("MNIST not found: set NNC_DATA")


def run(model, ranks, threads, epochs, limit):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    with tempfile.TemporaryDirectory() as d:
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="training samples (default: all 60 000)")
    a = p.parse_args()
    cores = os.cpu_count()
    configs = [(1, 1), (1, cores), (cores, 1)]
    print(bench_common.header(f"data parallelism: 1 process × T threads against N ranks × 1 thread ({a.rounds} rounds)"))
    rounds = bench_common.Rounds()
    for _ in range(a.rounds):
        for name, model in MODELS:
            for ranks, threads in configs:
                rounds.run((name, ranks, threads), lambda: run(model, ranks, threads, a.epochs, a.limit))
    print()
    print("| model | 1 × 1 thread s/epoch | 1 × %d threads | %d ranks × 1 thread | ranks ÷ threads | allreduce share |" % (cores, cores))
    print("|---|---:|---:|---:|---:|---:|")
    for name, _ in MODELS:
        one = rounds.median((name, 1, 1))
        threaded = rounds.median((name, 1, cores))
        ranked = rounds.median((name, cores, 1))
        share = rounds.median((name, cores, 1), 1)
        flags = "".join(rounds.flag((name, r, t)) for r, t in configs).strip()
        print(f"| {name} | {one:.3f} | {threaded:.3f} | {ranked:.3f} | {ranked / threaded:.2f} | {100 * share:.1f} % |{flags}")
    print()
    print(rounds.footer())


if __name__ == "__main__":
    main()
