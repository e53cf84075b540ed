#!/usr/bin/env bash
# Rewrites the committed seed corpora in Fuzz/corpus: a few small valid inputs per harness (and
# a broken one or two), so the fuzzer starts past each format's header. Checkpoints come from
# `nnc train` itself (NNC=path/to/nnc, default .build/release/nnc), of the harness's model.
set -euo pipefail
cd "$(dirname "$0")/.."
nnc=${NNC:-.build/release/nnc}
out=Fuzz/corpus
rm -rf "$out" && mkdir -p "$out"/{frontend,safetensors,idx,csv,cifar,runlog}

for f in spirals mnist_mlp mlp50_modu mlp10_rmsnorm resnet_small vgg_bn cifar_conv; do
  cp "examples/$f.net" "$out/frontend/"
done
# The README's tour: let, a parameterised block, repeat, labels, per-layer optimizer overrides.
sed -n '/^# The MLP of the SGD2 paper/,/^train {/p' README.md > "$out/frontend/tour.net"

python3 - "$out" <<'PY'
import gzip, json, struct, sys
out = sys.argv[1]
def idx(dims, data):
    return bytes([0, 0, 8, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + bytes(data)
def pair(images, labels):  # the idx harness's input: labels' length, labels, images
    return struct.pack(">H", len(labels)) + labels + images
images = idx([3, 2, 3], range(18))
labels = idx([3], [0, 9, 4])
open(f"{out}/idx/raw", "wb").write(pair(images, labels))
open(f"{out}/idx/gzip", "wb").write(pair(gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)))
open(f"{out}/idx/label-out-of-range", "wb").write(pair(idx([1, 1, 4], [255, 0, 3, 128]), idx([1], [10])))

open(f"{out}/csv/numeric", "w").write("1.5,-2,0\n0.25,3e2,1\n7,8,2\n-1,0.5,1\n")
open(f"{out}/csv/header-names", "w").write("label,x,y\ncat,0.1,0.2\ndog,1,2\ncat,-3,4.5\n")
open(f"{out}/csv/crlf-tabs", "w").write("a;b;c\r\n1; 2 ;0\r\n\t3;4;1\r\n\r\n")
open(f"{out}/csv/gzip", "wb").write(gzip.compress(b"0,1,2\n1,3,4\n0,5,6\n", mtime=0))

record10 = bytes([3]) + bytes(i % 256 for i in range(3072))
record100 = bytes([2, 57]) + bytes((7 * i) % 256 for i in range(3072))
open(f"{out}/cifar/cifar10", "wb").write(record10)
open(f"{out}/cifar/cifar100", "wb").write(record100)
open(f"{out}/cifar/gzip", "wb").write(gzip.compress(record10 + record10, mtime=0))

lines = [
    {"type": "run", "model": "spirals", "file": "spirals.net", "optimizer": "adam", "lr": 0.01, "batch": 32,
     "epochs": 2, "seed": 7, "threads": 1, "steps_per_epoch": 2, "layers": ["dense1", "dense2"], "label": "a"},
    {"type": "step", "epoch": 1, "step": 1, "loss": 1.1, "lr": 0.01, "seconds": 0.01},
    {"type": "step", "epoch": 1, "step": 2, "loss": "nan", "lr": 0.01, "seconds": 0.02},
    {"type": "epoch", "epoch": 1, "step": 2, "train_loss": 1.0, "test_loss": 0.9, "test_error": 0.4,
     "validation_loss": 0.95, "validation_error": 0.41, "lr": 0.01, "seconds": 0.5, "samples_per_second": 128},
    {"type": "analysis", "epoch": 1, "step": 2, "operator_norm_bound": 3.5,
     "layers": [{"name": "dense1", "residual_rms": 0.1, "gradient_rms": 0.02, "sigma_max": 2.0, "input_condition": 10,
                 "output_condition": "inf", "product_condition": 40, "input_rank": 2, "dead_fraction": 0.1},
                {"name": "dense2", "residual_rms": 1e-3, "gradient_rms": 0, "sigma_max": 1.5, "input_condition": 3,
                 "output_condition": 4, "product_condition": 12, "input_rank": 1, "saturated_fraction": 0}]},
    {"type": "epoch", "epoch": 2, "step": 4, "train_loss": 0.5, "test_loss": 0.6, "test_error": 0.2, "lr": 0.005},
    {"type": "end", "status": "completed", "seconds": 1.25, "best_test_error": 0.2},
]
open(f"{out}/runlog/run.jsonl", "w").write("".join(json.dumps(l) + "\n" for l in lines))
open(f"{out}/runlog/steps-only.jsonl", "w").write('{"type":"step","step":1,"loss":2}\n\n{"type":"future"}\n{"type":"step","step":5,"loss":1e-9}\n')
PY

# Checkpoints of the safetensors harness's model (Fuzz/Sources/fuzz-safetensors/main.swift),
# trained on four-feature samples: one after an epoch, one interrupted run's final state.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -c "
import random; r = random.Random(1)
print('\n'.join(','.join(f'{r.uniform(-3, 3):.3f}' for _ in range(4)) + f',{i % 2}' for i in range(16)))" > "$scratch/train.csv"
sed -n '/^let source = """/,/^    """/p' Fuzz/Sources/fuzz-safetensors/main.swift | sed '1d;$d' > "$scratch/model.net"
cat >> "$scratch/model.net" <<'NET'
    data {
      train: csv("train.csv", label: -1, header: false)
      center: mean
      standardize: true
    }
NET
"$nnc" train "$scratch/model.net" --epochs 1 --checkpoint "$out/safetensors/sgd2-epoch1.safetensors" > /dev/null
"$nnc" train "$scratch/model.net" --epochs 2 --optimizer adam --checkpoint "$out/safetensors/adam-epoch2.safetensors" > /dev/null
python3 - "$out" <<'PY'
import json, struct, sys
out = sys.argv[1]
header = json.dumps({"__metadata__": {"format": "pt", "nnc.step": "0", "nnc.epoch": "0", "nnc.learning_rate": "0.1",
                                      "nnc.rng": "1,2,3,4"},
                     "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                     "d": {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]}}).encode()
open(f"{out}/safetensors/handmade.safetensors", "wb").write(struct.pack("<Q", len(header)) + header + bytes(16))
PY
du -sh "$out"/*
