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


def test_every_parameter_costs_one_library_call_and_a_1mb_descriptor_three(corpus,
                                                                          library_calls):
    loader = epyr_native.Loader(cache_enabled=False)
    small = loader.load(corpus / "easyspin" / "strong1.dsc")
    library_calls.clear()
    read_every_parameter(small)
    assert dict(library_calls) == {"epyr_dataset_params_packed": 1}

    # Larger than the thread's reused buffer: a try, a size query and a copy into a buffer
    # of its own, every time (the thread keeps no buffer the size of the largest descriptor).
    for _ in range(2):
        dataset = loader.load(corpus / "deerlab" / "data_multi_lab5.DSC")
        library_calls.clear()
        typed, raw, entries = read_every_parameter(dataset)
        assert dict(library_calls) == {"epyr_dataset_params_packed": 3}
    assert len(entries) > 100 and sum(len(v) for _, v, _ in entries) > 500_000  # the 1 MB
    assert typed == {k: epyr_native._dataset.typed(v) for k, v in raw.items()}
    assert read_every_parameter(dataset) == (typed, raw, entries)
    assert dict(library_calls) == {"epyr_dataset_params_packed": 3}  # kept after the first read
