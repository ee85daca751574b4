"""Reads epyr's outputs back with readers that are not epyr's: CSV with numpy, HDF5 with h5py,
JSON against the JSON Schema with jsonschema. Used by cli/tests/corpus_outputs.rs.

Usage: python check_outputs.py SCHEMA MANIFEST
MANIFEST is a JSON list of {"id", "csv", "h5" (or null), "json", "dims", "complex",
"values_sha256", "axes": [{"n", "first", "last"}]} from the corpus expectations. Prints one line
per problem and exits 1 if there is any; prints "checked N datasets" otherwise.
"""

import csv
import hashlib
import json
import sys

import h5py
import jsonschema
import numpy as np


def sha256(values):
    return hashlib.sha256(np.ascontiguousarray(values, dtype="<f8").tobytes()).hexdigest()


def close(a, b):
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def check_axes(where, axes, expected, problems):
    if len(axes) != len(expected):
        problems.append(f"{where}: {len(axes)} axes, expected {len(expected)}")
        return
    for got, want in zip(axes, expected):
        if len(got) != want["n"] or not close(got[0], want["first"]) or not close(got[-1], want["last"]):
            problems.append(
                f"{where}: axis n={len(got)} {got[0]}..{got[-1]}, expected "
                f"n={want['n']} {want['first']}..{want['last']}"
            )


def with_values(axes, document):
    """The axes the file gives values for (the others are written as indices)."""
    return [a for a, meta in zip(axes, document["axes"]) if "first" in meta]


def check_csv(item, document, problems):
    swept = sum(1 for n in item["dims"] if n > 1)
    with open(item["csv"], encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    header = next(csv.reader([lines[0]]))
    data = np.loadtxt(lines[1:], delimiter=",", ndmin=2)
    points = int(np.prod(item["dims"]))
    if data.shape[0] != points:
        problems.append(f"{item['id']} csv: {data.shape[0]} rows, expected {points}")
        return
    values = data[:, swept:].ravel()
    if sha256(values) != item["values_sha256"]:
        problems.append(f"{item['id']} csv: values differ from the source")
    # Each axis column, taken where the other indices are 0 (x fastest).
    axes = []
    stride = 1
    for k, n in enumerate(d for d in item["dims"] if d > 1):
        axes.append(data[: n * stride : stride, k])
        stride *= n
    check_axes(f"{item['id']} csv", with_values(axes, document), item["axes"], problems)
    n_values = sum(2 if c else 1 for c in item["complex"])
    if len(header) != swept + n_values:
        problems.append(f"{item['id']} csv: header {header}")


def check_hdf5(item, document, problems):
    with h5py.File(item["h5"], "r") as f:
        entry = f[f.attrs["default"]]
        data = entry[entry.attrs["default"]]
        names = [data.attrs["signal"]] + list(data.attrs.get("auxiliary_signals", []))
        columns = []
        for name in names:
            ds = data[name]
            if ds.dtype != np.dtype("<f8"):
                problems.append(f"{item['id']} h5: {name} is {ds.dtype}, not little-endian float64")
            columns.append(ds[...].ravel())
        values = np.stack(columns, axis=1).ravel()
        if sha256(values) != item["values_sha256"]:
            problems.append(f"{item['id']} h5: values differ from the source")
        axis_names = [a for a in data.attrs["axes"] if a != "."]
        # NeXus lists the slowest dimension first; the expectations list x first.
        axes = [data[a][...] for a in reversed(axis_names)]
        check_axes(f"{item['id']} h5", with_values(axes, document), item["axes"], problems)
        for a, meta in zip(reversed(axis_names), document["axes"]):
            unit = data[a].attrs.get("units", "")
            if unit != meta["unit"] or data[a].attrs["long_name"] != meta["name"]:
                problems.append(f"{item['id']} h5: axis {a} units/long_name differ from the JSON")
        common = entry["common"].attrs
        for name, field in document["common"].items():
            if common.get(name) != field["value"]:
                problems.append(f"{item['id']} h5: common {name} = {common.get(name)!r}, JSON {field['value']!r}")
            if "unit" in field and common.get(name + "_units") != field["unit"]:
                problems.append(f"{item['id']} h5: common {name} unit differs from the JSON")
        params = entry["parameters"]
        keys = [k.decode() if isinstance(k, bytes) else k for k in params["key"][...]]
        if keys != [p["key"] for p in document["parameters"]]:
            problems.append(f"{item['id']} h5: parameter keys differ from the JSON")


def check_json(item, validator, problems):
    with open(item["json"], encoding="utf-8") as f:
        document = json.load(f)
    for error in validator.iter_errors(document):
        problems.append(f"{item['id']} json: {error.message} at {list(error.absolute_path)}")
    for source in document["sources"]:
        with open(source["path"], "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != source["sha256"]:
                problems.append(f"{item['id']} json: sha256 of {source['path']} differs")
    if document["dims"] != item["dims"]:
        problems.append(f"{item['id']} json: dims {document['dims']}, expected {item['dims']}")
    return document


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    with open(sys.argv[2], encoding="utf-8") as f:
        manifest = json.load(f)
    problems = []
    for item in manifest:
        document = check_json(item, validator, problems)
        check_csv(item, document, problems)
        if item["h5"]:
            check_hdf5(item, document, problems)
    for p in problems:
        print(p)
    print(f"checked {len(manifest)} datasets")
    sys.exit(1 if problems else 0)


main()
