"""How many calls into libepyr reading a dataset's parameters takes, counted by wrapping
every ``epyr_*`` function of the package's ctypes library."""

import collections

import pytest

import epyr_native
from epyr_native import _lib


@pytest.fixture
def library_calls(monkeypatch):
    """A counter of calls per libepyr function, from now until the test ends."""
    counts = collections.Counter()

    def counting(name, function):
        def call(*args):
            counts[name] += 1
            return function(*args)

        return call

    for name in _lib._PROTOTYPES:
        monkeypatch.setattr(_lib.lib, name, counting(name, getattr(_lib.lib, name)))
    return counts


def read_every_parameter(dataset):
    """Every form the package gives parameters in: typed, raw text and entries."""
    return dict(dataset.params), dataset.params_raw, dataset.param_entries


def test_every_parameter_of_a_1mb_descriptor_costs_one_library_call(corpus, library_calls):
    path = corpus / "deerlab" / "data_multi_lab5.DSC"
    loader = epyr_native.Loader(cache_enabled=False)
    first = loader.load(path)
    library_calls.clear()
    read_every_parameter(first)
    # The first read on a thread may grow its reused buffer: a size query and a retry.
    assert sum(library_calls.values()) <= 3, library_calls
    library_calls.clear()

    dataset = loader.load(path)
    library_calls.clear()
    typed, raw, entries = read_every_parameter(dataset)
    assert dict(library_calls) == {"epyr_dataset_params_packed": 1}
    assert len(entries) > 100 and sum(len(v) for _, v, _ in entries) > 500_000  # the 1 MB
    assert typed == {k: epyr_native._dataset.typed(v) for k, v in raw.items()}
    assert read_every_parameter(dataset) == (typed, raw, entries)
    assert dict(library_calls) == {"epyr_dataset_params_packed": 1}  # kept after the first read
