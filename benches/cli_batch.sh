#!/usr/bin/env bash
# Benchmark (not a test): `epyr batch-convert` against EPyR Tools' `epyr-batch-convert` (0.5.0)
# on the same files in the same run — 2,000 small files (copies of the corpus's 1024-point
# cw BES3T dataset E580_Xepr26b6_cwX_WillMyers) and the Bruker corpus (38 datasets, flattened
# into one folder because EPyR Tools does not search sub-folders) — to CSV and to HDF5, epyr
# with -j 1 and -j 2. Each command is timed as a whole process (start-up included) with
# /usr/bin/time, RUNS times after one warm-up; the median wall time and the median peak
# resident memory are printed. Every run writes into a fresh, empty output folder.
#
# Usage: EPYR_CORPUS=../shared/corpus benches/cli_batch.sh [WORKDIR] [RUNS]
# Needs: python3 with venv (EPyR Tools and h5py are installed into target/bench-venv),
# /usr/bin/time (Debian: apt-get install time), a release build of epyr (made here).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${EPYR_CORPUS:-$PWD/../shared/corpus}"
work="${1:-$PWD/target/cli-bench}"
runs="${2:-5}"
target="${CARGO_TARGET_DIR:-$PWD/target}"

cargo build --release -q -p epyr-cli
epyr="$target/release/epyr"
venv="$target/bench-venv"
if [ ! -x "$venv/bin/epyr-batch-convert" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "epyr-tools==0.5.0" h5py
fi

# The data, made once.
if [ ! -f "$work/.ready" ]; then
    rm -rf "$work"
    mkdir -p "$work/small" "$work/corpus"
    src="$corpus/easyspin/E580_Xepr26b6_cwX_WillMyers"
    for i in $(seq -w 1 2000); do
        cp "$src.DSC" "$work/small/s$i.DSC"
        cp "$src.DTA" "$work/small/s$i.DTA"
    done
    python3 - "$corpus" "$work/corpus" <<'EOF'
import json, shutil, sys
corpus, out = sys.argv[1], sys.argv[2]
for entry in json.load(open(f"{corpus}/expected.json")):
    prefix = entry["id"].split("/")[0] + "_"
    for f in entry["files"]:
        shutil.copy(f"{corpus}/{f}", f"{out}/{prefix}{f.split('/')[-1]}")
EOF
    touch "$work/.ready"
fi

# Median wall seconds and median peak RSS (MB) of RUNS runs of a command (after one warm-up).
measure() {
    local name="$1"; shift
    local walls=() rss=()
    for i in $(seq 0 "$runs"); do
        rm -rf "$work/out"
        /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || true
        if [ "$i" -gt 0 ]; then
            read -r w m <"$work/time.txt"
            walls+=("$w"); rss+=("$m")
        fi
    done
    local mw mr
    mw=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    mr=$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]/1024}')
    printf '| %s | %s s | %s MB |\n' "$name" "$mw" "$mr"
}

echo "| case | median wall | median peak RSS |"
echo "|---|---|---|"
for set in small corpus; do
    for to in csv hdf5; do
        measure "$set to $to: epyr -j 1" "$epyr" batch-convert "$work/$set" --to "$to" -o "$work/out" -j 1 --progress none
        measure "$set to $to: epyr -j 2" "$epyr" batch-convert "$work/$set" --to "$to" -o "$work/out" -j 2 --progress none
        measure "$set to $to: EPyR Tools" "$venv/bin/epyr-batch-convert" "$work/$set" -o "$work/out" -f "$to"
    done
done
