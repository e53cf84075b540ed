#!/usr/bin/env bash
# Rewrites the committed seed corpora in Fuzz/corpus: a few small valid inputs per harness (and
# a broken one or two), so the fuzzer starts past each format's header. Checkpoints come from
# `nnc train` itself (NNC=path/to/nnc, default .build/release/nnc), of the harness's model.
set -euo pipefail
cd "$(dirname "$0")/.."
nnc=${NNC:-.build/release/nnc}
out=Fuzz/corpus
rm -rf "$out" && mkdir -p "$out"/{frontend,safetensors,idx,csv,cifar,runlog,fmt,lsp}

for f in spirals mnist_mlp mlp50_modu mlp10_rmsnorm resnet_small vgg_bn cifar_conv; do
  cp "examples/$f.net" "$out/frontend/"
done
# The README's tour: let, a parameterised block, repeat, labels, per-layer optimizer overrides.
sed -n '/^# The MLP of the SGD2 paper/,/^train {/p' README.md > "$out/frontend/tour.net"

# The formatter: every example and every fixture's .net file (those with syntax errors too, which
# `nnc fmt` refuses before formatting), named by their folder so that equal names do not clash.
cp examples/*.net "$out/fmt/"
for f in Tests/NNCTests/Fixtures/*/*.net Tests/NNCTests/Fixtures/*/*/*.net; do
  rel=${f#Tests/NNCTests/Fixtures/}
  cp "$f" "$out/fmt/${rel//\//-}"
done
# Findings, kept as seeds: a comment after a lone CR that the layout dropped; a `-` starting a
# continuation line, spaced on the second pass by the indentation before it.
printf '\r#1t' > "$out/fmt/finding-comment-after-cr"
printf 'optimizer sgd2 {\n  damping: adaptive(1, every: d  # c\n-1)\n}\n' > "$out/fmt/finding-operator-starting-a-line"

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

# The language server's input: the first byte picks where the stream is split into two reads,
# then Content-Length frames. Scripted sessions, and frames that are broken on purpose.
def frame(obj):
    body = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
    return b"Content-Length: %d\r\n\r\n" % len(body) + body
uri = "file:///fuzz/spirals.net"
example = open("examples/spirals.net").read()
def doc(extra=None):
    params = {"textDocument": {"uri": uri}}
    params.update(extra or {})
    return params
session = [
    {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None, "capabilities": {}}},
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "method": "textDocument/didOpen",
     "params": {"textDocument": {"uri": uri, "languageId": "nnc", "version": 1, "text": example}}},
    {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": doc({"position": {"line": 3, "character": 4}})},
    {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": doc({"position": {"line": 4, "character": 2}})},
    {"jsonrpc": "2.0", "id": 4, "method": "textDocument/definition", "params": doc({"position": {"line": 6, "character": 6}})},
    {"jsonrpc": "2.0", "method": "textDocument/didChange",
     "params": {"textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": example.replace("relu", "rellu", 1) + "\nnet broken { dense 2,\n"}]}},
    {"jsonrpc": "2.0", "id": 5, "method": "textDocument/codeAction",
     "params": doc({"range": {"start": {"line": 0, "character": 0}, "end": {"line": 99, "character": 0}}, "context": {"diagnostics": []}})},
    {"jsonrpc": "2.0", "id": 6, "method": "textDocument/formatting", "params": doc({"options": {"tabSize": 2, "insertSpaces": True}})},
    {"jsonrpc": "2.0", "id": 7, "method": "shutdown"},
    {"jsonrpc": "2.0", "method": "exit"},
]
stream = b"".join(frame(m) for m in session)
open(f"{out}/lsp/session", "wb").write(bytes([0]) + stream)
open(f"{out}/lsp/session-split-in-a-header", "wb").write(bytes([21]) + stream)
init = frame(session[0])
small = {"jsonrpc": "2.0", "method": "textDocument/didOpen",
         "params": {"textDocument": {"uri": "file:///a.net", "text": "let w = 16\nnet m {\n  input [2]\n  dense w\n}\n"}}}
hover = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover",
         "params": {"textDocument": {"uri": "file:///a.net"}, "position": {"line": 3, "character": 9}}}
open(f"{out}/lsp/small-session", "wb").write(bytes([40]) + init + frame(small) + frame(hover) + frame(session[-2]) + frame(session[-1]))
# Broken frames, each followed by a good request, which must still be answered.
ok = frame({"jsonrpc": "2.0", "id": 9, "method": "shutdown"})
open(f"{out}/lsp/huge-length", "wb").write(bytes([3]) + init + b"Content-Length: 4611686018427387904\r\n\r\n{}" + ok)
open(f"{out}/lsp/negative-length", "wb").write(bytes([7]) + init + b"Content-Length: -12\r\n\r\n{}" + ok)
open(f"{out}/lsp/no-header-end", "wb").write(bytes([5]) + init + b"Content-Length: 2\r\nContent-Type: x\r\n{}" + ok)
open(f"{out}/lsp/invalid-utf8", "wb").write(bytes([9]) + init + frame(b'{"jsonrpc":"2.0","id":3,"method":"\xff\xfe\xc0"}') + frame(b'{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"u","text":"\xed\xa0\x80 net"}}}') + ok)
open(f"{out}/lsp/not-json-rpc", "wb").write(bytes([11]) + frame(b"[1,2]") + frame(b"null") + frame(b'{"id":{"a":1}}') + frame(b'{"result":1}') + frame(b'{"method":5}') + init + frame({"jsonrpc": "2.0", "id": 4, "method": "textDocument/hover", "params": {"textDocument": {"uri": 7}, "position": {"line": -1, "character": 1e300}}}))
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
