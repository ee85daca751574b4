/* Shared declarations of the epyr MEX gateway (epyr_mex.c, eprload_compat.c). */
#ifndef EPYR_MEX_H
#define EPYR_MEX_H

#include <stddef.h>
#include <stdint.h>

#include "mex.h"
#include <epyr.h>

/* Raises the MATLAB error `epyr:<NAME>` for status `code` with epyr's message: the message of
 * the last failed call on `handle` when it is not NULL, else this thread's. Never returns. */
void emx_fail(int32_t code, const void *handle);

/* Raises `epyr:INVALID_ARG` with a formatted message from the gateway. Never returns. */
void emx_bad_arg(const char *fmt, ...);

/* Raises `epyr:<NAME>` of status `code` with a formatted message from the gateway. Never
 * returns. */
void emx_fail_with(int32_t code, const char *fmt, ...);

/* Registers the function that frees the gateway's loaders and readers when MATLAB clears the
 * MEX file (mexAtExit); once per MEX file. */
void emx_register_exit(void);

/* epyr_mex(command, arguments...): runs the command of the +epyr function that called it. */
void emx_dispatch(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]);

/* [x, y, pars, file] = epyr.eprload(file, scaling). */
void emx_cmd_eprload(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[]);

/* Checks a status; on failure frees `ds` (may be NULL) and raises the error. */
void emx_check(int32_t code, const void *handle, epyr_dataset *ds);

/* The parameters of a dataset as eprload gives them: keys, values (Latin-1 code points as
 * bytes, in a buffer owned by the caller through mxFree), and their count. */
typedef struct {
    uint64_t count;
    char *packed;          /* epyr_dataset_params_packed output */
    uint64_t bytes;        /* its size, NULs included (0: `packed` is not epyr's output) */
    const char **keys;     /* count entries, into packed */
    const char **values;   /* count entries, into packed */
} emx_params;

/* Reads every parameter of `ds` in one call (frees `ds` and raises on failure). */
void emx_params_read(epyr_dataset *ds, emx_params *out);

/* Whether the dataset epyr.eprload is making outputs of came from a validated hit of epyr's
 * cache (the outputs kept for its contents are reused then only, emx_outputs_kept). */
extern int emx_cache_hit;

/* `v` (taken over) as a value of the host's own (Octave: converted once here, then shared by
 * every copy, as y and JEOL's pars.Data are). */
mxArray *emx_host_value(mxArray *v);

/* Forgets the outputs kept, at mexAtExit. */
void emx_outputs_memo_clear(void);

/* Frees what emx_params_read allocated. */
void emx_params_free(emx_params *p);

/* eprload's parameters of `ds`, whose own parameters (epyr's reading) are `p`: the same,
 * except where a parameter was read from more than one plain line (a value continued over
 * lines ending in `\`, a line holding a CR): there eprload's loop runs again over the text as
 * written (epyr_dataset_param_lines_packed), as eprload reads it: lines end at LF, CR LF and
 * CR; the line that ends a continued value is left out of it and read as a line of its own;
 * a `#MHL` key stops the reading. Strings point into `p` or `out`; free `out` with
 * emx_params_free before `p`. Frees `ds` and raises on failure. */
void emx_eprload_params(epyr_dataset *ds, const emx_params *p, emx_params *out);

/* The raw value of the last parameter named `key`, or NULL. */
const char *emx_params_get(const emx_params *p, const char *key);

/* A MATLAB char row from UTF-8 text that holds only Latin-1 code points (epyr decodes the
 * 8-bit parameter files as Latin-1): one character per code point, so in Octave the bytes of
 * the file and in MATLAB the same characters. */
mxArray *emx_latin1_string(const char *utf8);

/* eprload's outputs for a loaded dataset: `[x, y, pars, file]`, as many as `nlhs` asks for.
 * `path` is the path the caller gave. `y` is eprload's y made already (emx_direct_values; `ds`
 * may then be a described dataset), or NULL to make it from the values of `ds`. Frees `ds`
 * before returning or raising. */
void emx_eprload_outputs(epyr_dataset *ds, const char *path, mxArray *y, int nlhs,
                         mxArray *plhs[]);

/* eprload's y of the described dataset `ds`, loaded by `l` (a loader that does not cache)
 * straight into the MATLAB array with epyr_loader_load_described_into, from the files `ds`
 * was described from: no buffer of epyr's, no copy, and y of the same version of the files as
 * the x and pars made from `ds`. NULL (nothing loaded) unless the dataset has one real
 * component, or when the files changed since `ds` was described (then load the file whole).
 * On other failures frees `ds` and raises. */
mxArray *emx_direct_values(epyr_dataset *ds, epyr_loader *l);

/* The parameters converted as eprload's parsefieldparams does: a 1x1 struct. `is_esp` adds the
 * fields eprload's ESP reader adds (JEY) where it adds them. */
mxArray *emx_pars_struct(const emx_params *p, int is_esp, uint64_t nx);

/* The values of component `k` of `ds` as a MATLAB array of `ndim` dims (real or complex),
 * copied once from epyr's buffer. */
mxArray *emx_component_array(epyr_dataset *ds, uint32_t k, mwSize ndim, const mwSize *dims);

/* How eprload shapes an abscissa: none (x = []), a column, a row; Bruker's own rules. */
typedef enum { EMX_X_NONE, EMX_X_COLUMN, EMX_X_ROW, EMX_X_BRUKER } emx_x;

/* How eprload shapes y: [nx ny nz], a 1-D dataset as a row, or (qese .eco) as the [nx ny] of
 * the file's first line. */
typedef enum { EMX_Y_ARRAY, EMX_Y_ROW_1D, EMX_Y_ECO } emx_y;

/* How eprload builds pars: [] (none), Bruker's parsefieldparams (BES3T, ESP), numbers of a
 * binary header (Magnettech .spe), SpecMan's section_key names, nested structs from dotted
 * keys (JEOL), Magnettech XML's attributes and Recipe values, or the decoded JSON file. */
typedef enum {
    EMX_PARS_NONE,
    EMX_PARS_BRUKER,
    EMX_PARS_NUMBERS,
    EMX_PARS_SECTIONS,
    EMX_PARS_NESTED,
    EMX_PARS_MAGNETTECH,
    EMX_PARS_JSON
} emx_pars;

/* eprload's conventions for one format id of epyr_formats_json. */
typedef struct {
    const char *id;
    emx_x x1, x2; /* the first axis (1-D and 2-D), the second axis of a 2-D dataset */
    emx_y y;
    emx_pars pars;
} emx_format;

/* The row of the format `ds` was read from (epyr_dataset_format); frees `ds` and raises
 * `epyr:FORMAT` for a format the gateway has no row for. */
const emx_format *emx_format_of(epyr_dataset *ds);

/* eprload's x of a dataset of a non-Bruker format `f` (dims `dims`). */
mxArray *emx_format_abscissa(epyr_dataset *ds, const emx_format *f, const uint64_t dims[3]);

/* eprload's pars of a dataset of a non-Bruker format `f` from its parameters `p` and
 * eprload's y (JEOL keeps the channels in pars). */
mxArray *emx_format_pars(epyr_dataset *ds, const emx_format *f, const emx_params *p,
                         const mxArray *y);

/* eprload's x, y, pars of `ds` (format `f`) as kept by emx_outputs_keep for the same format,
 * parameters, kinds and values, into `out` (host copies): 1 when found (only for loads that
 * were cache hits), else 0. */
int emx_outputs_kept(epyr_dataset *ds, const emx_format *f, mxArray *out[3]);

/* Keeps x, y, pars `out` of `ds` (JEOL, JSON and Magnettech .spe; replaced by host values of
 * theirs). */
void emx_outputs_keep(epyr_dataset *ds, const emx_format *f, mxArray *out[3]);

/* eprload's pars of `ds` (format `f`, dims `dims`, eprload's y `y` or NULL for a dataset
 * described only) where `want_pars` (else NULL), and with `x` not NULL its x into *x. */
mxArray *emx_eprload_pars(epyr_dataset *ds, const emx_format *f, const uint64_t dims[3],
                          const mxArray *y, mxArray **x, int want_pars);

/* first + scale * linspace(a, b, n) with the host's linspace, rounded as MATLAB rounds it. */
mxArray *emx_linear_axis(double first, double scale, double a, double b, mwSize n);

#endif
