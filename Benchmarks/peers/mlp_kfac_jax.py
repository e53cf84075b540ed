#!/usr/bin/env python3
"""kfac-jax (DeepMind's K-FAC for JAX, from PyPI) as a K-FAC peer on the MNIST MLP of
examples/mnist_mlp_kfac.net: 784-128-128-10, ReLU, N(0, 0.01²) weights, batch 500, pixels /255
and centred, the data, initial weights and batch order of ../shared/peers/common.py.

K-FAC set as nnc's defaults are: empirical Fisher, factors every 10 steps as moving averages
with decay 0.95, inverses every 100, fixed damping 0.01, momentum 0.9, lr 0.1, and kfac-jax's
norm constraint 10⁻³ for nnc's KL clipping; the layers and the softmax cross-entropy are
registered by kfac-jax's own graph matcher and `register_softmax_cross_entropy_loss`. Each
step is kfac-jax's jitted `Optimizer.step`, called once per batch (its documented use); the first
call's compilation is timed separately, not in the epoch.

    python Benchmarks/peers/mlp_kfac_jax.py [--epochs 3] [--threads 1]

The median s/epoch leaves out the first epoch, which also compiles the factor and inverse steps.
Prints one line per epoch and a JSON summary line (`{"peer": "kfac-jax", …}`) as the other peer
scripts do. Needs `pip install kfac-jax` beside a jax it supports: kfac-jax 0.0.8 fails inside
jax 0.10's tracer (`get_bind_params`), and runs on jax 0.6.2 (`.venv-kfac`: `pip install
'jax[cpu]==0.6.2' kfac-jax numpy`).
"""
import argparse
import json
import os
import sys
import time

sys.dont_write_bytecode = True
PEERS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "..", "shared", "peers")
sys.path.insert(0, os.path.abspath(PEERS))
import common  # noqa: E402  (../shared/peers/common.py)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    cpus = common.set_affinity(args.threads)
    if args.threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import numpy as np
    import jax
    import jax.numpy as jnp
    import kfac_jax

    xtr, ytr, xte, yte = common.load_mnist()
    n, B = xtr.shape[0], common.BATCH
    steps = n // B
    Xtr, Ytr = jnp.asarray(xtr), jnp.asarray(ytr.astype(np.int32))
    Xte, Yte = jnp.asarray(xte), jnp.asarray(yte.astype(np.int32))
    params = [(jnp.asarray(w.T.copy()), jnp.asarray(b)) for w, b in common.init_params(args.seed)]

    def forward(p, x):
        for i, (w, b) in enumerate(p):
            x = x @ w + b
            if i < len(p) - 1:
                x = jax.nn.relu(x)
        return x

    def loss_fn(p, batch):
        x, y = batch
        logits = forward(p, x)
        kfac_jax.register_softmax_cross_entropy_loss(logits, y)
        lse = jax.nn.logsumexp(logits, axis=1)
        return jnp.mean(lse - jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0])

    optimizer = kfac_jax.Optimizer(
        value_and_grad_func=jax.value_and_grad(loss_fn),
        l2_reg=0.0,
        use_adaptive_learning_rate=False, learning_rate_schedule=lambda step: args.lr,
        use_adaptive_momentum=False, momentum_schedule=lambda step: 0.9,
        use_adaptive_damping=False, damping_schedule=lambda step: 0.01,
        norm_constraint=1e-3,
        estimation_mode="fisher_empirical",
        curvature_ema=0.05,            # kfac-jax's weight of the new batch: nnc's decay 0.95
        curvature_update_period=10, inverse_update_period=100,
        num_burnin_steps=0, multi_device=False)

    @jax.jit
    def test_error(p):
        return 100.0 * jnp.mean((jnp.argmax(forward(p, Xte), axis=1) != Yte).astype(jnp.float32))

    rng = jax.random.PRNGKey(args.seed)
    perm0 = common.epoch_perm(args.seed, 0, n).astype(np.int32)
    first = (Xtr[perm0[:B]], Ytr[perm0[:B]])
    # One step to compile, on copies (the step donates its arguments), so that the timed epochs
    # start from the same weights and a fresh state.
    t0 = common.now()
    copy = lambda tree: jax.tree_util.tree_map(jnp.copy, tree)
    warm = optimizer.step(copy(params), optimizer.init(copy(params), rng, first), rng, batch=first,
                          global_step_int=0)
    jax.block_until_ready(warm[0])
    compile_s = common.now() - t0
    state = optimizer.init(params, rng, first)
    print(f"kfac-jax {kfac_jax.__version__}, jax {jax.__version__}, cpus={cpus}, lr={args.lr}, "
          f"compile {compile_s:.2f} s", flush=True)

    epochs, step = [], 0
    for ep in range(args.epochs):
        perm = common.epoch_perm(args.seed, ep, n).astype(np.int32)
        t0 = common.now()
        losses = []
        for i in range(steps):
            idx = perm[i * B:(i + 1) * B]
            rng, key = jax.random.split(rng)
            params, state, stats = optimizer.step(params, state, key, batch=(Xtr[idx], Ytr[idx]), global_step_int=step)
            losses.append(stats["loss"])
            step += 1
        tl = float(jnp.mean(jnp.stack(losses)))
        jax.block_until_ready(params)
        dt = common.now() - t0
        err = float(test_error(params))
        epochs.append({"epoch": ep + 1, "seconds": dt, "train_loss": tl, "test_error": err})
        print(f"epoch {ep + 1}: {dt:.3f} s  train_loss {tl:.4f}  test_error {err:.2f}%", flush=True)
    # The first epoch also compiles the steps that form the factors and invert them (each a jitted
    # branch of its own, compiled on first use): the median is over the epochs after it.
    times = [e["seconds"] for e in epochs[1:]] or [e["seconds"] for e in epochs]
    print(f"median s/epoch {common.median(times):.3f} (epochs after the first)", flush=True)
    common.emit({"peer": "kfac-jax", "threads": args.threads, "lr": args.lr, "seed": args.seed,
                 "version": kfac_jax.__version__, "compile_s": compile_s, "epochs": epochs,
                 "median_s_per_epoch": common.median(times)})


if __name__ == "__main__":
    main()
