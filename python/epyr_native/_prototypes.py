"""The prototypes of every function of libepyr's C ABI (``include/epyr.h``) for ctypes, in one
table: the package (``_lib.py``) and the C ABI's ctypes test (``tests/ctypes_abi.py``, which
loads this file by its path) both declare the functions from here, and
``python/tests/test_library_calls.py`` checks it against the header. Imports ctypes only.

Caller buffers (text or doubles the library writes into) and the ``double **`` of
``epyr_dataset_values``/``epyr_dataset_axis``/``epyr_dataset_array`` are ``void *`` here: ctypes then takes an
address (an ``int``, as NumPy gives it), a ctypes array or a ``byref``.
"""

import ctypes as C

P = C.c_void_p
u64, i32, u32, dbl, ch = C.c_uint64, C.c_int32, C.c_uint32, C.c_double, C.c_char_p
pu64, pi32, pu32, pdbl = C.POINTER(u64), C.POINTER(i32), C.POINTER(u32), C.POINTER(dbl)
ppdbl = C.POINTER(pdbl)
#: A caller buffer, passed by address.
buf = C.c_void_p
#: ``epyr_chunk_fn``: ``int32_t (*)(void *user, const double *chunk, uint64_t len,
#: uint64_t first_point)``.
CHUNK_CB = C.CFUNCTYPE(i32, P, pdbl, u64, u64)

#: name -> (return type, argument types), every function of ``include/epyr.h``.
PROTOTYPES = {
    "epyr_version": (ch, []),
    "epyr_abi_version": (u32, []),
    "epyr_error_name": (ch, [i32]),
    "epyr_last_error_message": (u64, [buf, u64]),
    "epyr_handle_last_error_message": (u64, [P, buf, u64]),
    "epyr_process_last_error_message": (u64, [buf, u64]),
    "epyr_memory_info": (i32, [pdbl, pdbl, pdbl, pdbl]),
    "epyr_check_memory_limit": (i32, [pi32]),
    "epyr_optimize_memory": (i32, [pu64]),
    "epyr_optimize_memory_ex": (i32, [pu64, pu64, pu64]),
    "epyr_config_set": (i32, [ch, ch]),
    "epyr_config_set_double": (i32, [ch, dbl]),
    "epyr_config_set_bool": (i32, [ch, i32]),
    "epyr_config_get": (i32, [ch, buf, u64, pu64]),
    "epyr_config_get_double": (i32, [ch, pdbl]),
    "epyr_config_get_bool": (i32, [ch, pi32]),
    "epyr_config_file_get": (i32, [ch, ch, buf, u64, pu64]),
    "epyr_config_save": (i32, [ch]),
    "epyr_config_load": (i32, [ch]),
    "epyr_performance_info_json": (i32, [buf, u64, pu64]),
    "epyr_cache_new": (i32, [dbl, C.POINTER(P)]),
    "epyr_cache_global": (P, []),
    "epyr_cache_free": (None, [P]),
    "epyr_cache_stats": (i32, [P, pu64, pdbl, pdbl, pdbl, pu64, pu64]),
    "epyr_cache_stats_ex": (i32, [P, pu64, pu64, pu64, pu64]),
    "epyr_cache_clear": (i32, [P]),
    "epyr_cache_resize": (i32, [P, dbl]),
    "epyr_loader_new": (i32, [P, dbl, i32, C.POINTER(P)]),
    "epyr_loader_free": (None, [P]),
    "epyr_loader_load": (i32, [P, ch, ch, C.POINTER(P)]),
    "epyr_loader_describe": (i32, [P, ch, ch, C.POINTER(P)]),
    "epyr_loader_load_as": (i32, [P, ch, ch, ch, C.POINTER(P)]),
    "epyr_loader_describe_as": (i32, [P, ch, ch, ch, C.POINTER(P)]),
    "epyr_formats_json": (i32, [buf, u64, pu64]),
    "epyr_dataset_format": (i32, [P, buf, u64, pu64]),
    "epyr_dataset_axis_rule": (i32, [P, u32, pi32, pdbl]),
    "epyr_loader_load_into": (i32, [P, ch, ch, pdbl, u64, pu64]),
    "epyr_loader_load_described_into": (i32, [P, P, pdbl, u64, pu64]),
    "epyr_loader_load_many": (i32, [P, C.POINTER(ch), u64, ch, C.POINTER(P), pi32, pu64]),
    "epyr_last_batch_message": (i32, [u64, buf, u64, pu64]),
    "epyr_loader_for_each_chunk": (i32, [P, ch, ch, CHUNK_CB, P]),
    "epyr_dataset_free": (None, [P]),
    "epyr_dataset_new": (i32, [u64, u64, u64, i32, pdbl, u64, C.POINTER(P)]),
    "epyr_dataset_dims": (i32, [P, pu64, pu64, pu64]),
    "epyr_dataset_components": (i32, [P, pu32]),
    "epyr_dataset_is_complex": (i32, [P, u32, pi32]),
    "epyr_dataset_values": (i32, [P, u32, P, pu64]),
    "epyr_dataset_copy_values": (i32, [P, u32, pdbl, u64, pu64]),
    "epyr_dataset_axis": (i32, [P, u32, P, pu64]),
    "epyr_dataset_copy_axis": (i32, [P, u32, pdbl, u64, pu64]),
    "epyr_dataset_axis_name": (i32, [P, u32, buf, u64, pu64]),
    "epyr_dataset_axis_unit": (i32, [P, u32, buf, u64, pu64]),
    "epyr_dataset_param": (i32, [P, ch, buf, u64, pu64]),
    "epyr_dataset_param_double": (i32, [P, ch, pdbl]),
    "epyr_dataset_param_count": (i32, [P, pu64]),
    "epyr_dataset_param_key": (i32, [P, u64, buf, u64, pu64]),
    "epyr_dataset_param_value": (i32, [P, u64, buf, u64, pu64]),
    "epyr_dataset_params_packed": (i32, [P, buf, u64, pu64]),
    "epyr_dataset_param_lines_packed": (i32, [P, buf, u64, pu64]),
    "epyr_dataset_axis_labels_packed": (i32, [P, buf, u64, pu64]),
    "epyr_dataset_param_kinds_packed": (i32, [P, buf, u64, pu64]),
    "epyr_dataset_array_count": (i32, [P, pu64]),
    "epyr_dataset_array_name": (i32, [P, u64, buf, u64, pu64]),
    "epyr_dataset_array": (i32, [P, u64, P, pu64]),
    "epyr_dataset_warning_count": (i32, [P, pu64]),
    "epyr_dataset_warning": (i32, [P, u64, buf, u64, pu64]),
    "epyr_dataset_source_count": (i32, [P, pu64]),
    "epyr_dataset_source": (i32, [P, u64, buf, u64, pu64]),
    "epyr_write_bes3t": (i32, [P, ch, ch, ch]),
    "epyr_dataset_export": (i32, [P, ch, ch, i32]),
    "epyr_dataset_metadata_json": (i32, [P, buf, u64, pu64]),
    "epyr_reader_open": (i32, [P, ch, C.POINTER(P)]),
    "epyr_reader_open_scaled": (i32, [P, ch, ch, C.POINTER(P)]),
    "epyr_reader_free": (None, [P]),
    "epyr_reader_info": (i32, [P, pu64, pu64, pu64, pu64, pu64, pu64]),
    "epyr_reader_describe": (i32, [P, C.POINTER(P)]),
    "epyr_reader_next": (i32, [P, buf, u64, pu64, pu64]),
    "epyr_reader_next_chunk": (i32, [P, ppdbl, pu64, pu64]),
    "epyr_reader_set_chunk_points": (i32, [P, u64]),
    "epyr_reader_rewind": (i32, [P]),
    "epyr_reader_read_rows": (i32, [P, u64, u64, buf, u64, pu64]),
    "epyr_reader_copy_axis": (i32, [P, u32, u64, u64, pdbl, u64, pu64]),
}
