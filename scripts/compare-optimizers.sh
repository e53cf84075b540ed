#!/usr/bin/env bash
# Trains the 10-layer RMS-norm MLP (examples/mlp10_rmsnorm.net) with SGD and with SGD2 under
# --analyze and puts both runs side by side in one report: loss and error curves, the
# gradient-energy profile across layers, conditioning and the operator-norm bound.
#
# usage: scripts/compare-optimizers.sh [OUT_DIR] [EPOCHS]   (defaults: ./compare, 3)
# Env: NNC (the nnc binary; default: .build-analysis, then .build/release), NNC_DATA (MNIST).
# A few minutes on two cores at the defaults; the log files and report.html go to OUT_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-compare}
epochs=${2:-3}
nnc=${NNC:-}
if [ -z "$nnc" ]; then
    for candidate in "$here/.build-analysis/release/nnc" "$here/.build/release/nnc"; do
        if [ -x "$candidate" ]; then nnc=$candidate; break; fi
    done
fi
if [ -z "$nnc" ] || [ ! -x "$nnc" ]; then
    echo "compare-optimizers: no nnc binary; build with 'swift build -c release' or set NNC" >&2
    exit 69
fi
mkdir -p "$out"
model="$here/examples/mlp10_rmsnorm.net"
data=()
if [ -n "${NNC_DATA:-}" ]; then data=(--data "$NNC_DATA"); fi

for optimizer in sgd sgd2; do
    echo "== $optimizer"
    # Four analysis records an epoch: enough points for conditioning and the bound over time.
    "$nnc" train "$model" "${data[@]}" --optimizer "$optimizer" --epochs "$epochs" \
        --analyze-every 27 --label "mlp10 $optimizer" --log "$out/$optimizer.jsonl" \
        --checkpoint "$out/$optimizer.safetensors"
done
"$nnc" report "$out/sgd.jsonl" "$out/sgd2.jsonl" -o "$out/report.html" \
    --title "mlp10_rmsnorm: SGD against SGD2"
echo "report: $out/report.html"
