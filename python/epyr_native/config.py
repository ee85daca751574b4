"""The configuration shared with EPyR Tools, held by libepyr: ``from epyr_native.config import
config`` works like ``from epyr.config import config`` for the keys libepyr knows (the
``performance`` section: ``cache_enabled``, ``cache_size_mb``, ``chunk_size_mb``,
``memory_limit_mb``, ``parallel_processing``, ``threads``). Values are in force in libepyr at
once (run time > ``EPYR_PERFORMANCE_*`` environment > the file > defaults); ``save`` writes
EPyR Tools' own ``config.json`` keeping every section and key libepyr does not know.
Other sections are EPyR Tools' own: ``get`` reads them from that file, ``set`` refuses them.
"""

import ctypes as C
import json
import math
import numbers
import os

import numpy as np

from . import _lib
from ._lib import check, lib


def config_file_path():
    """EPyR Tools' configuration file: ``$XDG_CONFIG_HOME/epyrtools/config.json``, else
    ``~/.config/epyrtools/config.json`` (``%APPDATA%/EPyRTools/config.json`` on Windows)."""
    if os.name == "nt" and os.environ.get("APPDATA"):
        return os.path.join(os.environ["APPDATA"], "EPyRTools", "config.json")
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(base, "epyrtools", "config.json")


class Config:
    """``get``, ``set``, ``save`` and ``load`` on EPyR Tools' keys and file, through libepyr."""

    def get(self, key, default=None):
        """The value in force of ``key`` (``True``/``False`` or a number); for a key outside
        libepyr's, the value in EPyR Tools' file; ``default`` where there is none. A key whose
        source is unusable (a bad environment value) raises, naming source, key and value."""
        name = _lib.text_bytes(key, "configuration key")
        needed = _lib.u64()
        status = lib.epyr_config_get(name, None, 0, C.byref(needed))
        if status == _lib.CONFIG and not key.startswith("performance."):
            return self._from_file(name, default)
        check(status)
        out = C.create_string_buffer(needed.value)
        check(lib.epyr_config_get(name, C.addressof(out), needed.value, C.byref(needed)))
        value = json.loads(out.value.decode())
        return default if value is None else value

    @staticmethod
    def _from_file(name, default):
        """The value of the key ``name`` (bytes) in EPyR Tools' file, read by libepyr with the
        rules of every file it reads (no blocking, a regular file, at most 1 MiB): a FIFO or a
        link to a device is refused at once. ``default`` where the file or the key is missing
        or the file cannot be used (as EPyR Tools falls back to its defaults)."""
        needed = _lib.u64()
        for _ in range(3):  # the file may grow between the size query and the copy
            status = lib.epyr_config_file_get(None, name, None, 0, C.byref(needed))
            if status:
                break
            out = C.create_string_buffer(needed.value)
            status = lib.epyr_config_file_get(
                None, name, C.addressof(out), needed.value, C.byref(needed)
            )
            if status != _lib.BUFFER_TOO_SMALL:
                break
        if status in (_lib.NOT_FOUND, _lib.IO, _lib.CONFIG):
            return default
        check(status)
        value = json.loads(out.value.decode())
        return default if value is None else value

    def set(self, key, value):
        """Sets ``key`` at run time (in force in libepyr at once; ``save`` writes it). A bool
        (``numpy.bool_`` too), a number (``int``, ``float``, NumPy's integer and floating
        scalars) or a text libepyr parses (``"true"``, ``"200"``); a wrong type raises
        ``TypeError``, a wrong value ``EpyrValueError``, and nothing changes."""
        name = _lib.text_bytes(key, "configuration key")
        if isinstance(value, (bool, np.bool_)):
            check(lib.epyr_config_set_bool(name, int(bool(value))))
        elif isinstance(value, numbers.Integral):
            # As decimal text, which libepyr parses and range-checks whatever its size (a float
            # conversion would raise OverflowError for 10**400).
            check(lib.epyr_config_set(name, str(int(value)).encode()))
        elif isinstance(value, numbers.Real):
            try:
                number = float(value)
            except OverflowError:  # a huge Fraction: out of every key's range, as infinity is
                number = math.copysign(math.inf, value)
            check(lib.epyr_config_set_double(name, number))
        elif isinstance(value, str):
            check(lib.epyr_config_set(name, _lib.text_bytes(value, f"value of {key}")))
        else:
            raise TypeError(f"config value for {key} must be bool, number or str, "
                            f"not {type(value).__name__}")

    def save(self, path=None):
        """Writes the configuration (default: EPyR Tools' file, its other keys kept)."""
        check(lib.epyr_config_save(None if path is None else _lib.path_bytes(path)), path)

    def load(self, path=None):
        """Re-reads the file (default: EPyR Tools' file) and the environment; values set at run
        time stay in force. On error nothing changes."""
        check(lib.epyr_config_load(None if path is None else _lib.path_bytes(path)), path)

    def get_config_file_path(self):
        """The file ``save`` and ``load`` use by default."""
        return config_file_path()

    def __repr__(self):
        return f"<epyr_native config ({self.get_config_file_path()})>"


#: The process-wide configuration (libepyr's).
config = Config()
