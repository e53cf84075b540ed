#!/usr/bin/env bash
# Runs one libFuzzer harness of Fuzz/ (or all of them, one after the other) for a while.
#
# usage: scripts/fuzz.sh [--keep] [--corpus DIR] TARGET|all SECONDS
#   TARGET   frontend, safetensors, idx, csv, cifar, runlog, fmt or lsp (Fuzz/Sources/fuzz-TARGET)
#   SECONDS  how long each harness runs
#   --keep   keep the scratch folder (the grown corpus and libFuzzer's log) when nothing was found
#   --corpus DIR  fuzz DIR itself instead of a scratch copy of the seeds (a long campaign that
#            goes on where the last one stopped); it must lie outside the repository
#
# Builds the harnesses into .build-fuzz (with -sanitize=fuzzer,address) or, for the two whose
# code is all safe Swift (frontend, runlog, fmt, lsp), into .build-fuzz-lean (-sanitize=fuzzer alone; see
# Fuzz/README.md); the ordinary build never sees them. Copies the target's seeds from Fuzz/corpus to a scratch folder under $TMPDIR (or
# /tmp) and fuzzes that copy, niced, so the repository is left as it was. Exits 0 when nothing
# was found, 1 on a crash, timeout or out-of-memory report (printing the reproducer's path, which
# `.build-fuzz/release/fuzz-TARGET FILE` replays), 64 on a usage error.
# Env: FUZZ_SEED fixes libFuzzer's random seed (CI: 1, so two runs on one binary explore the
#   same inputs in the same order and a red run is the code's, not the dice's).
# FUZZ_JOBS is not used: the machine has two cores shared with others; one harness at a time.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
targets=(frontend safetensors idx csv cifar runlog fmt lsp)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

keep=0
corpus_dir=
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --keep) keep=1; shift ;;
        --corpus) [ $# -ge 2 ] || { echo "fuzz.sh: --corpus needs a folder" >&2; exit 64; }
                  corpus_dir=$2; shift 2 ;;
        --) shift; break ;;
        -*) echo "fuzz.sh: unknown option '$1' (see --help)" >&2; exit 64 ;;
        *) break ;;
    esac
done
if [ $# -ne 2 ]; then
    echo "usage: scripts/fuzz.sh [--keep] [--corpus DIR] TARGET|all SECONDS (see --help)" >&2
    exit 64
fi
target=$1 seconds=$2
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: SECONDS must be a whole number from 1, got '$seconds'" >&2
    exit 64
fi
if [ "$target" = all ]; then
    run=("${targets[@]}")
    if [ -n "$corpus_dir" ]; then echo "fuzz.sh: --corpus takes one target, not 'all'" >&2; exit 64; fi
elif [[ " ${targets[*]} " == *" $target "* ]]; then
    run=("$target")
else
    echo "fuzz.sh: unknown target '$target'; one of: ${targets[*]} all" >&2
    exit 64
fi
if [ -n "$corpus_dir" ]; then
    mkdir -p "$corpus_dir"
    corpus_dir=$(cd "$corpus_dir" && pwd)
    case "$corpus_dir/" in "$here"/*) echo "fuzz.sh: --corpus must lie outside the repository" >&2; exit 64 ;; esac
fi

# Per-input bounds: inputs a little larger than the largest seed; a hang is an input that takes
# more than 10 s (the front end's tests allow 1 s, and ASan slows code 2–3×); 2 GB of memory, and
# no single allocation above it, so a size read from a file that is trusted shows up as an OOM.
max_len() {
    case "$1" in
        cifar) echo 16384 ;;
        idx|csv) echo 4096 ;;
        *) echo 8192 ;;
    esac
}

# AddressSanitizer finds memory errors only in unsafe code: zlib and the file calls (NNCSystem),
# the kernels. The front end and the report are safe Swift end to end (the NNC target builds
# under strict memory safety), where Swift's own checks trap on every out-of-bounds index and
# overflow; under ASan they ran 2.3× slower for nothing it could find there.
build_dir() {
    case "$1" in
        frontend|runlog|fmt|lsp) echo .build-fuzz-lean ;;
        *) echo .build-fuzz ;;
    esac
}
sanitizers() {
    case "$1" in
        .build-fuzz-lean) echo fuzzer ;;
        *) echo fuzzer,address ;;
    esac
}

built=
for t in "${run[@]}"; do
    dir=$(build_dir "$t")
    case " $built " in *" $dir "*) continue ;; esac
    built="$built $dir"
    echo "fuzz.sh: building the harnesses ($dir, -sanitize=$(sanitizers "$dir"))"
    # -sanitize on the command line, not in Fuzz/Package.swift: it must instrument the NNC library
    # too, whose coverage is what guides the fuzzer.
    (cd "$here" && nice -n 10 swift build -c release --package-path Fuzz --scratch-path "$dir" \
        -Xswiftc -sanitize="$(sanitizers "$dir")" 2>&1 | grep -E "error|warning: .*\.swift|Build complete" | grep -v asan_extra_spill_area) \
        || { echo "fuzz.sh: the harnesses did not build" >&2; exit 1; }
done

status=0
for t in "${run[@]}"; do
    binary="$here/$(build_dir "$t")/release/fuzz-$t"
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/nnc-fuzz-$t.XXXXXX")
    corpus=${corpus_dir:-$scratch/corpus}
    if [ -z "$corpus_dir" ]; then cp -R "$here/Fuzz/corpus/$t" "$corpus"; fi
    before=$(find "$corpus" -type f | wc -l)
    log="$scratch/libfuzzer.log"
    echo "fuzz.sh: $t for ${seconds}s on $corpus ($before inputs)"
    rc=0
    # A few seconds of grace over -max_total_time: the last input and the final stats.
    # Swift's lazily created globals live until exit, which LeakSanitizer reports as leaks; and
    # Swift's own crash backtracer reads memory that ASan reports in place of the real trap.
    # No allocation stacks (malloc_context_size=0): recording one for every allocation of
    # allocation-heavy Swift was a sixth of the time; replaying a reproducer with
    # ASAN_OPTIONS=malloc_context_size=30 shows them.
    (cd "$scratch" && ASAN_OPTIONS="detect_leaks=0:malloc_context_size=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" SWIFT_BACKTRACE=enable=no nice -n 10 timeout $((seconds + 120)) "$binary" \
        -max_total_time="$seconds" ${FUZZ_SEED:+-seed="$FUZZ_SEED"} -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -detect_leaks=0 -dict="$here/Fuzz/dict/$t.dict" -artifact_prefix="$scratch/" \
        -print_final_stats=1 "$corpus" > "$log" 2>&1) || rc=$?
    after=$(find "$corpus" -type f | wc -l)
    final=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    executed=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
    rate=$(grep -E '^stat::average_exec_per_sec' "$log" | awk '{print $2}' || true)
    echo "fuzz.sh: $t: ${executed:-?} executions, ${rate:-?} exec/s, corpus $before -> $after inputs"
    echo "fuzz.sh: $t: last status: ${final:-none}"
    findings=$(find "$scratch" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \
        -o -name 'leak-*' \) | sort)
    if [ "$rc" -ne 0 ] || [ -n "$findings" ]; then
        status=1
        grep -E -A40 '==[0-9]+==ERROR|ERROR: libFuzzer|Fatal error|deadly signal|Assertion|precondition' "$log" | head -80 >&2 || tail -40 "$log" >&2
        echo "fuzz.sh: $t FAILED (libFuzzer exit $rc); log: $log" >&2
        for f in $findings; do
            echo "fuzz.sh: reproducer: $f   (replay: $binary $f)" >&2
        done
    elif [ "$keep" -eq 0 ] && [ -z "$corpus_dir" ]; then
        rm -rf "$scratch"
    else
        echo "fuzz.sh: $t: kept $scratch"
    fi
done
exit $status
