#!/usr/bin/env python3
"""JAX (CPU, XLA) peer for the CIFAR-style conv net of examples/cifar_conv.net: the same model,
initial scales, data and optimizer as conv_torch.py, the whole train step (batch gather,
forward, backward, update) in one jax.jit with the parameters donated, compiled before timing.

    python conv_jax.py [--threads 1] [--steps 50] [--epochs 3] [--batch 100] [--lr 0.01]

--threads N pins the process to N CPUs (XLA:CPU sizes its pools by the CPUs it may use) and
--threads 1 also turns off Eigen's multi-threading, as ../shared/peers/mlp_jax.py does.
"""
import argparse, json, os, resource, statistics, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    if a.threads < len(cpus):
        os.sched_setaffinity(0, set(cpus[:a.threads]))
    if a.threads == 1:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false").strip()
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import numpy as np
    import jax
    import jax.numpy as jnp
    from jax import lax

    rng = np.random.default_rng(a.seed)
    n = a.steps * a.batch
    x = rng.integers(0, 256, size=(n, 3, 32, 32), dtype=np.uint8).astype(np.float32) / 255
    x -= x.mean(axis=(0, 2, 3), keepdims=True)
    X = jnp.asarray(np.ascontiguousarray(x))
    Y = jnp.asarray(rng.integers(0, 10, size=n).astype(np.int32))

    shapes = [(32, 3, 5, 5), (32, 32, 5, 5), (64, 32, 5, 5), (64, 64, 4, 4)]
    sigmas = [0.01, 0.05, 0.05, 0.05, 0.05]
    prng = np.random.default_rng(a.seed + 1)
    params = [(jnp.asarray(prng.normal(0, s, size=sh).astype(np.float32)), jnp.zeros(sh[0], jnp.float32))
              for sh, s in zip(shapes, sigmas)]
    params.append((jnp.asarray(prng.normal(0, sigmas[-1], size=(64, 10)).astype(np.float32)), jnp.zeros(10, jnp.float32)))

    def conv(x, w, b, pad):
        y = lax.conv_general_dilated(x, w, (1, 1), [(pad, pad), (pad, pad)],
                                     dimension_numbers=("NCHW", "OIHW", "NCHW"))
        return y + b[None, :, None, None]

    def pool(x, kind):
        window, strides, padding = (1, 1, 3, 3), (1, 1, 2, 2), [(0, 0), (0, 0), (1, 1), (1, 1)]
        if kind == "max":
            return lax.reduce_window(x, -jnp.inf, lax.max, window, strides, padding)
        return lax.reduce_window(x, 0.0, lax.add, window, strides, padding) / 9.0   # padding counts as zeros

    def forward(p, x):
        x = jax.nn.relu(pool(conv(x, *p[0], 2), "max"))
        x = pool(jax.nn.relu(conv(x, *p[1], 2)), "avg")
        x = pool(jax.nn.relu(conv(x, *p[2], 2)), "avg")
        x = jax.nn.relu(conv(x, *p[3], 0)).reshape(x.shape[0], -1)
        return x @ p[4][0] + p[4][1]

    def loss_fn(p, x, y):
        logits = forward(p, x)
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, y[:, None], axis=1)[:, 0])

    lr, mu = jnp.float32(a.lr), jnp.float32(0.9)

    def step(p, v, idx):
        loss, g = jax.value_and_grad(loss_fn)(p, jnp.take(X, idx, axis=0), jnp.take(Y, idx, axis=0))
        v = jax.tree_util.tree_map(lambda v_, g_: mu * v_ + g_, v, g)
        p = jax.tree_util.tree_map(lambda w, v_: w - lr * v_, p, v)
        return p, v, loss

    velocity = jax.tree_util.tree_map(jnp.zeros_like, params)
    idx0 = jnp.arange(a.batch, dtype=jnp.int32)
    compiled = jax.jit(step, donate_argnums=(0, 1)).lower(params, velocity, idx0).compile()

    epochs = []
    for ep in range(a.epochs):
        perm = jnp.asarray(np.random.default_rng([a.seed, ep]).permutation(n).astype(np.int32))
        t0 = time.perf_counter()
        losses = []
        for i in range(a.steps):
            params, velocity, loss = compiled(params, velocity, perm[i * a.batch:(i + 1) * a.batch])
            losses.append(loss)
        tl = float(jnp.mean(jnp.stack(losses)))
        jax.block_until_ready(params)
        dt = time.perf_counter() - t0
        epochs.append({"epoch": ep + 1, "seconds": dt, "train_loss": tl})
        print(f"epoch {ep + 1}: {dt:.3f} s for {a.steps} steps, loss {tl:.4f}", flush=True)
    med = statistics.median(e["seconds"] for e in epochs)
    full = med * (50000 // a.batch) / a.steps
    print(f"median {med:.3f} s per {a.steps} steps = {full:.2f} s per CIFAR epoch", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps({"peer": "jax", "version": jax.__version__, "threads": a.threads,
                                   "steps": a.steps, "batch": a.batch, "epochs": epochs,
                                   "median_s": med, "s_per_cifar_epoch": full, "peak_rss_mb": rss}), flush=True)


if __name__ == "__main__":
    main()
