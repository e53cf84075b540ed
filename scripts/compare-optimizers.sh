#!/usr/bin/env bash
# Trains the 10-layer RMS-norm MLP (examples/mlp10_rmsnorm.net) with SGD and with SGD2 under
# --analyze and puts both runs side by side in one report: loss and error curves, the
# gradient-energy profile across layers, conditioning and the operator-norm bound.
#
# usage: scripts/compare-optimizers.sh [OUT_DIR] [EPOCHS]   (defaults: ./compare, 3)
# Env: NNC (the nnc binary; default: .build-analysis, then .build/release), NNC_DATA (MNIST).
# A few minutes on two cores at the defaults; the log files and report.html go to OUT_DIR.
# Exit: 0 report written, 64 usage, 69 no nnc binary, else nnc's status.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: scripts/compare-optimizers.sh [OUT_DIR] [EPOCHS]

Trains examples/mlp10_rmsnorm.net with SGD and with SGD2 under --analyze and writes both
runs' logs, checkpoints and one report side by side: OUT_DIR/report.html.

  OUT_DIR   where the logs, checkpoints and report go (default: ./compare)
  EPOCHS    epochs per run, a positive integer (default: 3)
  -h, --help  show this help

environment: NNC (the nnc binary; default .build-analysis, then .build/release),
             NNC_DATA (where MNIST is)
exit status: 0 report written, 64 usage error, 69 no nnc binary, else nnc's own status
USAGE
}

# Options first: an unknown one would otherwise become the output folder.
positional=()
for argument in "$@"; do
    case "$argument" in
        -h|--help) usage; exit 0 ;;
        -*) echo "compare-optimizers: unknown option '$argument'" >&2; usage >&2; exit 64 ;;
        *) positional+=("$argument") ;;
    esac
done
if [ ${#positional[@]} -gt 2 ]; then
    echo "compare-optimizers: too many arguments" >&2; usage >&2; exit 64
fi
here=$(cd "$(dirname "$0")/.." && pwd)
out=${positional[0]:-compare}
epochs=${positional[1]:-3}
if ! [[ "$epochs" =~ ^[1-9][0-9]*$ ]]; then
    echo "compare-optimizers: EPOCHS must be a positive integer, got '$epochs'" >&2; usage >&2; exit 64
fi
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
