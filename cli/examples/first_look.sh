#!/bin/sh
# A first look at an EPR file with the epyr command: what the file holds, its values as CSV and
# its metadata as JSON, and a plot as PNG, all in first_look/ under the current folder.
#
#   sh cli/examples/first_look.sh [FILE]       (default: the sample spectrum of the repository)
#
# Needs `epyr` on PATH (cargo install --path cli). Run by cargo test (cli/tests/docs.rs).
set -eu
here=$(dirname "$0")
file=${1:-$here/../../examples-c/data/nitroxide_cw.DSC}
mkdir -p first_look
epyr info "$file"
epyr convert "$file" --to csv,json -o first_look/ --force
stem=$(basename "$file")
stem=${stem%.*}
epyr plot "$file" -o "first_look/$stem.png"
ls first_look
