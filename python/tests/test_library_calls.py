"""How many calls into libepyr reading a dataset's parameters takes, counted by wrapping
every ``epyr_*`` function of the package's ctypes library."""

import collections
import ctypes as C
import re

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


# The C types of include/epyr.h as the table must declare them: scalars exactly, a string
# argument as ``char *``, every other pointer as some pointer type.
_SCALARS = {"int32_t": "c_int", "uint32_t": "c_uint", "uint64_t": "c_ulong", "double": "c_double",
            "void": None}


def c_type(argument):
    """The type of a C argument without its name: ``const char *const *paths`` ->
    ``const char*const*``."""
    argument = re.sub(r"\s+", " ", argument.strip())
    name = re.search(r"[A-Za-z_]\w*$", argument).group()
    return re.sub(r"\s*\*\s*", "*", argument[: -len(name)]).strip()


def header_functions():
    """name -> (return type, [argument types]) of every function declared in the header."""
    from conftest import REPOSITORY

    text = (REPOSITORY / "include" / "epyr.h").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found = {}
    for ret, name, args in re.findall(
            r"^((?:const )?[a-z_0-9]+(?: \*)?)\s*(epyr_[a-z_0-9]+)\(([^)]*)\);", text, re.M):
        params = [] if args.strip() == "void" else [c_type(a) for a in args.split(",")]
        found[name] = (ret.strip(), params)
    return found


def ctypes_name(kind):
    return None if kind is None else kind.__name__


def test_the_one_prototype_table_matches_the_header():
    from epyr_native._prototypes import PROTOTYPES

    declared = header_functions()
    assert len(declared) >= 70
    assert set(PROTOTYPES) == set(declared), set(PROTOTYPES) ^ set(declared)
    for name, (ret, params) in declared.items():
        restype, argtypes = PROTOTYPES[name]
        assert len(argtypes) == len(params), name
        if "*" in ret:
            assert ctypes_name(restype) in ("c_char_p", "c_void_p"), name
        else:
            assert ctypes_name(restype) == _SCALARS[ret], (name, ret, restype)
        for index, (param, argtype) in enumerate(zip(params, argtypes)):
            what = (name, index, param, argtype)
            if "*" not in param and param in _SCALARS:
                assert argtype.__name__ == _SCALARS[param], what
            elif "*" not in param:  # a function pointer type of the header
                assert hasattr(argtype, "_argtypes_"), what
            elif param in ("const char*", "char*const*", "const char*const*"):
                assert argtype in (C.c_char_p, C.POINTER(C.c_char_p)), what
            else:
                assert argtype is C.c_void_p or hasattr(argtype, "_type_") or hasattr(
                    argtype, "_argtypes_"), what
