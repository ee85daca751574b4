"""Labelled arrays: how a dataset's dimensions, coordinates and attributes look in xarray,
shared by ``Dataset.to_xarray`` and the ``engine="epyr"`` backend. xarray is imported only by
the functions that build xarray objects (it is an optional dependency)."""

import re

import numpy as np

#: Dimension names for the axis names files use, after lower-casing and ``-sweep`` removed.
_KNOWN_NAMES = {"bfield": "field", "b0": "field", "magnetic_field": "field", "delay": "time"}
#: Where a file names no axis, the kind of axis its unit says (else ``x``, ``y``, ``z``).
_UNIT_NAMES = {"g": "field", "mt": "field", "t": "field", "s": "time", "ms": "time",
               "us": "time", "µs": "time", "ns": "time", "mhz": "frequency",
               "ghz": "frequency"}
_NOT_A_NAME = {"", "unknown", "index", "none"}
_LETTERS = "xyz"
#: The name of the data variable (a DataArray's name).
VARIABLE = "intensity"


def _dimension_name(name, unit, letter, used):
    """A dimension name for an axis: from its name (``Field`` -> ``field``, ``mw-power-sweep``
    -> ``mw_power``), else from its unit (``ns`` -> ``time``), else its letter; a name taken
    already by another axis gets ``_<letter>`` appended."""
    text = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    text = re.sub(r"_?sweep$", "", text)
    text = _KNOWN_NAMES.get(text, text)
    if text in _NOT_A_NAME or text[:1].isdigit():
        text = _UNIT_NAMES.get(unit.strip().lower(), letter)
    if text in used:
        text = f"{text}_{letter}"
    used.add(text)
    return text


class Layout:
    """Where a dataset's values go in a labelled array: ``dims`` (names, slowest first, a
    leading ``component`` when there are several), ``shape``, ``dtype`` (complex when any
    component is), ``coords`` (name -> (values, attributes)) and the kept axes' indices
    (``kept``: 2 for z, 1 for y, 0 for x, slowest first)."""

    def __init__(self, dataset):
        dims3 = dataset.dims
        self.kept = [i for i in (2, 1, 0) if dims3[i] > 1] or [0]
        used, names = set(), {}
        for i in (0, 1, 2):  # x first, so it gets the name when two axes share one
            axis = dataset.axes[i]
            names[i] = _dimension_name(axis.name, axis.unit, _LETTERS[i], used)
        self.components = len(dataset.complex)
        self.dims = tuple(names[i] for i in self.kept)
        self.shape = tuple(int(dims3[i]) for i in self.kept)
        if self.components > 1:
            self.dims = ("component",) + self.dims
            self.shape = (self.components,) + self.shape
        self.dtype = np.dtype(np.complex128 if any(dataset.complex) else np.float64)
        self.coords = {}
        for i in self.kept:
            axis = dataset.axes[i]
            if axis.values is not None and len(axis.values) == dims3[i]:
                attrs = {"units": axis.unit, "long_name": axis.name or names[i]}
                self.coords[names[i]] = (axis.values, attrs)


def attributes(dataset, metadata):
    """The attributes of a dataset's variable: ``format``, ``sources``, the common metadata
    (``metadata``, a dict of libepyr's fields: each value under its name, its unit under
    ``<name>_units``) and every parameter as ``param:<key>`` (typed as EPyR Tools types it)."""
    attrs = {"format": dataset.format, "sources": list(dataset.sources)}
    for field, entry in (metadata or {}).items():
        attrs[field] = entry["value"]
        if "unit" in entry:
            attrs[f"{field}_units"] = entry["unit"]
    for key in dataset.params:
        attrs[f"param:{key}"] = dataset.params[key]
    if dataset.warnings:
        attrs["warnings"] = list(dataset.warnings)
    return attrs


def coordinates(layout):
    """The coordinates of a layout as xarray ``Variable`` arguments."""
    return {name: ((name,), values, attrs) for name, (values, attrs) in layout.coords.items()}


def values_of(dataset, layout):
    """All components of a loaded dataset in the layout's shape and dtype (the array itself,
    read-only and without a copy, for one component)."""
    components = dataset.components
    if len(components) == 1:
        return components[0].reshape(layout.shape)
    return np.stack([c.reshape(layout.shape[1:]) for c in components]).astype(
        layout.dtype, copy=False
    )


def to_xarray(dataset):
    """The dataset as an ``xarray.DataArray`` (see ``Dataset.to_xarray``)."""
    import xarray as xr

    layout = Layout(dataset)
    return xr.DataArray(
        values_of(dataset, layout),
        dims=layout.dims,
        coords=coordinates(layout),
        name=VARIABLE,
        attrs=attributes(dataset, dataset.metadata),
    )
