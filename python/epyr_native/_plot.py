"""Quick looks with matplotlib (an optional dependency, imported only here)."""

import os

import numpy as np

_PARTS = {"real": np.real, "imag": np.imag, "abs": np.abs}


def _label(axis, letter):
    """``name (unit)`` of an axis, or the letter where the file names none."""
    name = axis.name or letter
    return f"{name} ({axis.unit})" if axis.unit else name


def _coordinate(axis, n):
    """The axis values, or the point indices where the file gives none."""
    if axis.values is not None and len(axis.values) == n:
        return axis.values
    return np.arange(n)


def plot(dataset, ax=None, part="real"):
    """Draws component 0 of a loaded dataset (see ``Dataset.plot``); returns the axes."""
    import matplotlib.pyplot as plt

    if part not in _PARTS:
        raise ValueError(f"part must be one of {sorted(_PARTS)}, not {part!r}")
    if ax is None:
        _, ax = plt.subplots()
    nx, ny, _ = dataset.dims
    values = _PARTS[part](dataset.values).reshape(-1, ny, nx)[0]
    x = _coordinate(dataset.axes[0], nx)
    ax.set_xlabel(_label(dataset.axes[0], "x"))
    if ny == 1:
        ax.plot(x, values[0])
        ax.set_ylabel(f"intensity ({part})" if np.iscomplexobj(dataset.values) else "intensity")
    else:
        y = _coordinate(dataset.axes[1], ny)
        mesh = ax.pcolormesh(x, y, values, shading="auto")
        ax.figure.colorbar(mesh, ax=ax, label="intensity")
        ax.set_ylabel(_label(dataset.axes[1], "y"))
    title = dataset.metadata.get("title", {}).get("value")
    ax.set_title(title or os.path.basename(dataset.sources[0]))
    return ax
