"""A first look at an EPR file with ``epyr_native``: a summary of what it holds, and a plot.

    python python/examples/first_look.py [FILE [PNG]]

FILE defaults to the sample spectrum shipped with epyr (``examples-c/data/nitroxide_cw.DSC``),
PNG to ``first_look.png`` in the current folder. Needs the package with its ``plot`` extra
(``pip install './python[plot]'``). Run by ``cargo test`` (``python/tests/test_documentation.py``).
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # no window: write the file only
import matplotlib.pyplot as plt  # noqa: E402

import epyr_native  # noqa: E402

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples-c" / "data" / "nitroxide_cw.DSC"


def summary(path, ds):
    """The lines that describe a dataset: shape, axes, a few parameters, warnings."""
    nx, ny, nz = ds.dims
    lines = [f"{path}", f"{nx * ny * nz} points ({nx} x {ny} x {nz}), complex: {any(ds.complex)}"]
    for axis_name, axis in zip("xyz", ds.axes):
        if axis.values is not None:
            lines.append(f"{axis_name}: {axis.name} ({axis.unit}), "
                         f"{axis.values[0]:g} to {axis.values[-1]:g}")
    for key in ("MWFQ", "MWPW", "AVGS", "TITL"):
        if key in ds.params:
            lines.append(f"{key} = {ds.params[key]}")
    lines.extend(f"warning: {w}" for w in ds.warnings)
    return lines


def plot(ds, png):
    """The first component against its x axis (a 2-D dataset: each row a line)."""
    x = ds.axes[0]
    y = ds.values.real  # the real part of complex data
    fig, ax = plt.subplots()
    ax.plot(x.values if x.values is not None else range(ds.dims[0]), y.T)
    ax.set_xlabel(f"{x.name} ({x.unit})" if x.name else "point")
    ax.set_ylabel("intensity")
    fig.savefig(png)
    plt.close(fig)


def main(argv):
    path = argv[1] if len(argv) > 1 else SAMPLE
    png = argv[2] if len(argv) > 2 else "first_look.png"
    ds = epyr_native.load(path)
    print("\n".join(summary(path, ds)))
    plot(ds, png)
    print(f"plot: {png}")


if __name__ == "__main__":
    main(sys.argv)
