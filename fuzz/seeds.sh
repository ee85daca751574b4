#!/usr/bin/env bash
# Adds the seed inputs of the fuzz targets, made from the real files of the corpus
# ($EPYR_CORPUS, default ../shared/corpus beside the repository), to fuzz/corpus/<target>/
# (ignored by git; inputs the fuzzer added there are kept). Inputs are framed as
# core/tests/common/fuzz_case.rs describes:
#   load: [options][chunk] text SEP data [SEP x-axis SEP y-axis SEP z-axis]
#   text, entry_limit: [options] text
# Datasets whose files total more than 48 KiB are left out (they would slow every run).
set -euo pipefail
cd "$(dirname "$0")"
corpus="${EPYR_CORPUS:-$PWD/../../shared/corpus}"
[ -f "$corpus/expected.json" ] || { echo "corpus not found at $corpus (set EPYR_CORPUS)" >&2; exit 1; }
max=$((48 * 1024))
mkdir -p corpus/load corpus/text corpus/entry_limit
sep() { printf '\0EPYR-FUZZ-FILE\0'; }
# The file beside $1 with the same base name and extension $2 in any letter case.
companion() {
    find "$(dirname "$1")" -maxdepth 1 -type f -iname "$(basename "${1%.*}").$2" -print -quit
}
size() { stat -c %s "$1"; }
while IFS= read -r -d '' text; do
    ext="${text##*.}"
    case "${ext,,}" in
        dsc) options=0 data_ext=dta ;;
        par) options=1 data_ext=spc ;;
        *) continue ;;
    esac
    name="$(basename "$text" | tr -c 'A-Za-z0-9._\n-' '_')"
    if [ "$(size "$text")" -le "$max" ]; then
        { printf "\\x0$options"; cat "$text"; } > "corpus/text/$name"
    fi
    data="$(companion "$text" "$data_ext")"
    [ -n "$data" ] || continue
    axes=()
    total=$(( $(size "$text") + $(size "$data") ))
    if [ "$options" = 0 ]; then
        for a in xgf ygf zgf; do
            axes+=("$(companion "$text" "$a")")
            [ -z "${axes[-1]}" ] || total=$((total + $(size "${axes[-1]}")))
        done
    fi
    [ "$total" -le "$max" ] || continue
    {
        printf "\\x0$options\\x3f"
        cat "$text"; sep; cat "$data"
        if [ -n "${axes[*]:-}" ]; then
            for a in "${axes[@]}"; do sep; [ -z "$a" ] || cat "$a"; done
        fi
    } > "corpus/load/$name"
done < <(find "$corpus" -type f -print0 | sort -z)
# Entry limit seeds: one and two entries per copy, below, at and above the limit (bits 1-2).
for options in 00 02 04 01 03 05; do
    printf "\\x$options"'XPTS\t1\n* comment\nYPTS 2\n' > "corpus/entry_limit/two-$options"
    printf "\\x$options"'XPTS\t1\n' > "corpus/entry_limit/one-$options"
done
for target in load text entry_limit; do
    echo "seeds: $(ls corpus/$target | wc -l) inputs in fuzz/corpus/$target"
done
