#!/usr/bin/env bash
# Adds the seed inputs of the fuzz targets, made from the real files of the corpus
# ($EPYR_CORPUS, default ../shared/corpus beside the repository), to fuzz/corpus/<target>/
# (ignored by git; inputs the fuzzer added there are kept). Inputs are framed as
# core/tests/common/fuzz_case.rs describes:
#   load: [options][chunk] text SEP data [SEP x-axis SEP y-axis SEP z-axis]
#   text, entry_limit: [options] text
#   formats: format-id LF [options][chunk] member SEP member ... SEP companion ...
# Datasets whose files total more than 48 KiB are left out of `load` (they would slow every
# run); `formats` takes every dataset of up to 400 KiB, one folder per format
# (fuzz/corpus/formats/<id>/, to fuzz one format at a time), plus small written files for the
# formats without public files. The members and companions of each format come from the format
# table, as `epyr formats --json` gives it ($EPYR_BIN, default `cargo run` of the command line).
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
# formats: one seed per dataset of expected-formats.json and expected.json, sections in the
# table's role order (a role's file is the dataset's file with one of its extensions; a
# missing companion is an empty section; a format recognised by content has the one file).
if [ -n "${EPYR_BIN:-}" ]; then
    table="$("$EPYR_BIN" formats --json)"
else
    table="$(cargo run -q --manifest-path ../Cargo.toml -p epyr-cli -- formats --json)"
fi
fmax=$((400 * 1024))
# The sections of format $1 as lines "member|companion<TAB>ext ext...", in the table's order.
sections() {
    jq -r --arg id "$1" '.read[] | select(.id == $id) | .files
        | reduce .[] as $f ([]; if $f.role == "optional companion"
            then . + [{kind: "companion", role: $f.role, exts: [$f.extension]}]
            elif (map(.role) | index($f.role)) != null
            then map(if .role == $f.role then .exts += [$f.extension] else . end)
            else . + [{kind: "member", role: $f.role, exts: [$f.extension]}] end)
        | .[] | "\(.kind)\t\(.exts | join(" "))"' <<< "$table"
}
for list in expected-formats.json expected.json; do
    # expected.json names the Bruker formats bes3t and esp, the table bruker-bes3t and bruker-esp.
    jq -r '.[] | [(.format | if . == "bes3t" or . == "esp" then "bruker-" + . else . end)]
        + .files | @tsv' "$corpus/$list"
done | while IFS=$'\t' read -r -a row; do
    id="${row[0]}"
    files=("${row[@]:1}")
    total=0
    for f in "${files[@]}"; do total=$((total + $(size "$corpus/$f"))); done
    [ "$total" -le "$fmax" ] || continue
    mkdir -p "corpus/formats/$id"
    name="$(basename "${files[0]}" | tr -c 'A-Za-z0-9._\n-' '_')"
    {
        printf '%s\n\x00\x3f' "$id"
        first=1
        while IFS=$'\t' read -r kind exts; do
            [ "$first" = 1 ] || sep
            first=0
            if [ "${#files[@]}" = 1 ]; then
                [ "$kind" = companion ] || cat "$corpus/${files[0]}"
                continue
            fi
            for f in "${files[@]}"; do
                e="${f##*.}"
                if [[ " $exts " == *" ${e,,} "* ]]; then
                    cat "$corpus/$f"
                    break
                fi
            done
        done < <(sections "$id")
    } > "corpus/formats/$id/$name"
done
# Small files for the formats without public files, by their reader's rules: MAGRES (`DATA n`
# on the third line, then numbers), Varian E9 (more than 500 little-endian float32 numbers);
# and a short Active Spectrum file (the corpus one is larger than the limit).
mkdir -p corpus/formats/magres-plt corpus/formats/varian-eth corpus/formats/activespectrum
{ printf 'activespectrum\n\x00\x3f'; printf 'SAMPLE NAME\ts\t\r\nFREQUENCY (MHz)\t9805.7\t9805.7\r\n';
  printf 'DATE/TIME\t8/28/2014 12:20:13 PM\r\nFIELD (G)\tINTENSITY\r\n3272.0\t-0.5\t1\r\n3272.5\t0.25\t2\r\n'; } \
    > corpus/formats/activespectrum/written
{ printf 'magres-plt\n\x00\x3f'; printf 'MAGRES\nsim\nDATA 4\n1.0 2.5\n-3 4e2\n'; } \
    > corpus/formats/magres-plt/written
{ printf 'varian-eth\n\x00\x3f'; head -c 2008 /dev/zero | tr '\0' '\100'; } \
    > corpus/formats/varian-eth/written
for target in load text entry_limit; do
    echo "seeds: $(ls corpus/$target | wc -l) inputs in fuzz/corpus/$target"
done
for dir in corpus/formats/*/; do
    echo "seeds: $(ls "$dir" | wc -l) inputs in fuzz/$dir"
done
