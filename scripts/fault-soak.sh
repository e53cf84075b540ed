#!/usr/bin/env bash
# Fault soak of checkpointing (issue 16, part 4): kill -9 at random moments of `nnc train`, and
# fill the disk while a checkpoint and the log are written.
#
# usage: scripts/fault-soak.sh [ITERATIONS]   (default 100)
#
# Kill: trains examples/spirals.net (its data ship in examples/data) with a checkpoint every
# epoch (its epochs take milliseconds, so a kill often lands inside a write) and kills it with
# SIGKILL after a random 0.1–1.5 s, ITERATIONS times, each run resuming from the checkpoint.
# After each kill the checkpoint must load (`nnc eval`) and be the one before the run or a
# newer one (its step no smaller, its bytes unchanged when its step is the same); a temporary
# `.NAME.tmp-PID-RAND` of a killed run must be gone once a later run has written a checkpoint;
# a last uninterrupted run must leave no temporary at all.
#
# Disk full (root only, skipped otherwise): a tmpfs with room for one checkpoint; the second
# checkpoint must fail with exit 74 and a message naming the file, leaving the first intact and
# loadable and no temporary behind. Then the log alone on a tmpfs that fills up: exit 74 and a
# message naming the log, the checkpoint elsewhere intact.
#
# Env: NNC (the nnc binary; default .build/release/nnc). Scratch files go under $TMPDIR or /tmp.
# Exits 0 when every check held, 1 at the first that did not (saying which), 64 on usage errors.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;; esac
iterations=${1:-100}
if ! [[ "$iterations" =~ ^[1-9][0-9]*$ ]]; then echo "fault-soak: ITERATIONS must be a whole number from 1" >&2; exit 64; fi
nnc=${NNC:-$here/.build/release/nnc}
[ -x "$nnc" ] || { echo "fault-soak: no nnc at $nnc; build with 'swift build -c release' or set NNC" >&2; exit 64; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nnc-fault-soak.XXXXXX")
mounts=()
cleanup() {
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
    rm -rf "$scratch"
}
trap cleanup EXIT
# The model beside its data, so the paths in its data block resolve.
cp -R "$here/examples/spirals.net" "$here/examples/data" "$scratch/"
model=$scratch/spirals.net
ckpt=$scratch/spirals.safetensors
fail() {
    echo "fault-soak: FAILED: $*" >&2
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
    trap - EXIT
    echo "fault-soak: files kept in $scratch" >&2
    exit 1
}

# The step a checkpoint's metadata records (safetensors: 8-byte length, JSON header).
step_of() {
    python3 -c '
import json, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
print(json.loads(data[8:8 + n])["__metadata__"]["nnc.step"])' "$1"
}
loads() { "$nnc" eval "$model" --weights "$1" > "$scratch/eval.out" 2>&1; }
temporaries() { find "$(dirname "$1")" -maxdepth 1 -name ".$(basename "$1").tmp-*" -printf '%f\n' | sort; }

echo "fault-soak: $iterations kill -9s during nnc train (checkpoint every epoch) in $scratch"
kills_in_write=0
for i in $(seq 1 "$iterations"); do
    before_sum=; before_step=-1
    if [ -f "$ckpt" ]; then before_sum=$(sha256sum < "$ckpt"); before_step=$(step_of "$ckpt"); fi
    stale_before=$(temporaries "$ckpt")
    resume=(); [ -f "$ckpt" ] && resume=(--resume "$ckpt")
    # Enough epochs that no run completes; the first start trains from scratch.
    "$nnc" train "$model" --epochs 100000 --checkpoint "$ckpt" "${resume[@]}" --log "$scratch/run.jsonl" \
        > "$scratch/train.out" 2>&1 &
    pid=$!
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.1, 1.5), 3))')"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null && fail "iteration $i: the run ended before it was killed: $(tail -3 "$scratch/train.out")"
    [ -f "$ckpt" ] || { [ "$i" -eq 1 ] && continue; fail "iteration $i: the checkpoint is gone"; }
    loads "$ckpt" || fail "iteration $i: the checkpoint does not load: $(tail -3 "$scratch/eval.out")"
    step=$(step_of "$ckpt")
    after_sum=$(sha256sum < "$ckpt")
    if [ "$step" -lt "$before_step" ]; then fail "iteration $i: the checkpoint went back from step $before_step to $step"; fi
    if [ "$step" -eq "$before_step" ] && [ "$after_sum" != "$before_sum" ]; then
        fail "iteration $i: the checkpoint changed but still says step $step"
    fi
    now=$(temporaries "$ckpt")
    [ -n "$now" ] && kills_in_write=$((kills_in_write + 1))
    # A killed run's temporary may stay until the next run writes; once it has, it must be gone.
    if [ "$after_sum" != "$before_sum" ] && [ -n "$stale_before" ]; then
        left=$(comm -12 <(echo "$stale_before") <(echo "$now"))
        [ -z "$left" ] || fail "iteration $i: a killed run's temporary survived a later checkpoint: $left"
    fi
    if [ $((i % 10)) -eq 0 ]; then echo "fault-soak: $i kills, checkpoint at step $step, $kills_in_write left a temporary so far"; fi
done
# One uninterrupted run to its end: everything tidy afterwards.
"$nnc" train "$model" --epochs "$(( $(python3 -c '
import json, struct, sys
data = open(sys.argv[1], "rb").read(); n = struct.unpack("<Q", data[:8])[0]
print(json.loads(data[8:8 + n])["__metadata__"]["nnc.epoch"])' "$ckpt") + 1 ))" --checkpoint "$ckpt" --resume "$ckpt" \
    --log "$scratch/run.jsonl" > "$scratch/train.out" 2>&1 || fail "the last run failed: $(tail -3 "$scratch/train.out")"
loads "$ckpt" || fail "the last checkpoint does not load"
[ -z "$(temporaries "$ckpt")" ] || fail "temporaries left after a complete run: $(temporaries "$ckpt")"
"$nnc" report "$scratch/run.jsonl" -o "$scratch/report.html" > /dev/null 2>&1 || fail "the log of the killed runs does not read: $("$nnc" report "$scratch/run.jsonl" -o "$scratch/report.html" 2>&1 | tail -2)"
echo "fault-soak: kill: $iterations kills ($kills_in_write left a temporary, killed mid-write): every checkpoint loaded and was the previous or a newer one; no temporary outlived a later checkpoint"

if [ "$(id -u)" -ne 0 ]; then
    echo "fault-soak: disk full: skipped (mounting a tmpfs needs root)"
    exit 0
fi
full=$scratch/full
mkdir -p "$full"
size=$(( $(stat -c %s "$ckpt") * 3 / 2 / 4096 * 4096 + 4096 ))
mount -t tmpfs -o size=$size nnc-soak "$full" || { echo "fault-soak: disk full: skipped (cannot mount a tmpfs)"; exit 0; }
mounts+=("$full")
rc=0
"$nnc" train "$model" --epochs 3 --checkpoint "$full/c.safetensors" > "$scratch/full.out" 2>&1 || rc=$?
[ "$rc" -eq 74 ] || fail "disk full while checkpointing: exit $rc, not 74: $(tail -3 "$scratch/full.out")"
grep -q "c.safetensors" "$scratch/full.out" || fail "disk full while checkpointing: the message does not name the checkpoint: $(tail -3 "$scratch/full.out")"
loads "$full/c.safetensors" || fail "disk full: the previous checkpoint does not load: $(tail -2 "$scratch/eval.out")"
[ "$(step_of "$full/c.safetensors")" -gt 0 ] || fail "disk full: the checkpoint left is not the first epoch's"
[ -z "$(temporaries "$full/c.safetensors")" ] || fail "disk full: a temporary was left: $(temporaries "$full/c.safetensors")"
echo "fault-soak: disk full while checkpointing: exit 74, '$(grep -m1 -i "cannot write\|no space" "$scratch/full.out")', first checkpoint intact"
umount "$full"; mounts=()

# The log on a tmpfs nearly full: the run record fits, the epochs' lines soon do not.
mount -t tmpfs -o size=4096 nnc-soak-log "$full" || fail "cannot mount the log's tmpfs"
mounts+=("$full")
head -c 3000 /dev/zero > "$full/filler"
rc=0
"$nnc" train "$model" --epochs 40 --checkpoint "$scratch/log-case.safetensors" --log "$full/run.jsonl" \
    > "$scratch/log.out" 2>&1 || rc=$?
[ "$rc" -eq 74 ] || fail "disk full while logging: exit $rc, not 74: $(tail -3 "$scratch/log.out")"
grep -q "run.jsonl" "$scratch/log.out" || fail "disk full while logging: the message does not name the log: $(tail -3 "$scratch/log.out")"
if [ -f "$scratch/log-case.safetensors" ]; then
    loads "$scratch/log-case.safetensors" || fail "disk full while logging: the checkpoint does not load"
fi
echo "fault-soak: disk full while logging: exit 74, '$(grep -m1 -i "log" "$scratch/log.out")'"
echo "fault-soak: all checks held"
