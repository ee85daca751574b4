/* The MEX gateway of epyr for MATLAB and GNU Octave: two MEX files built from these sources,
 * epyr_mex (called by the functions of the package folder +epyr as epyr_mex(command,
 * arguments...), entry in mex_epyr.c) and +epyr/eprload (epyr.eprload itself, without an .m
 * function in between, entry in mex_eprload.c). C over the public header epyr.h; no Rust
 * inside. State of each MEX file: two loaders on the global cache, one that caches and one
 * that does not (made on first use), and a table of open readers; mexAtExit frees all of it. */
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "epyr_mex.h"

/* ---------------------------------------------------------------- state */

/* g_loaders[1] caches through the global cache, g_loaders[0] does not. */
static epyr_loader *g_loaders[2] = {NULL, NULL};

/* Open readers (NULL = free slot). A reader's id in MATLAB is its epyr handle's number, which
 * libepyr never hands out twice in a process (it stays loaded once it gave out a handle, so
 * not even after `clear epyr_mex` or `clear all`): an id kept after its reader was closed
 * matches no reader ever again. */
#define MAX_READERS 256
static epyr_reader *g_readers[MAX_READERS];

static void free_all(void)
{
    int i;
    for (i = 0; i < MAX_READERS; i++) {
        epyr_reader_free(g_readers[i]);
        g_readers[i] = NULL;
    }
    for (i = 0; i < 2; i++) {
        epyr_loader_free(g_loaders[i]);
        g_loaders[i] = NULL;
    }
    emx_outputs_memo_clear();
}

void emx_register_exit(void)
{
    static int registered = 0;
    if (!registered) {
        mexAtExit(free_all);
        registered = 1;
    }
}

/* Whether loads cache now (performance.cache_enabled), read on every load so that a change
 * made anywhere (epyr.config_set, epyr.config_load, another host thread) holds at once. */
static int caching_enabled(void)
{
    int32_t on = 1;
    int32_t code = epyr_config_get_bool("performance.cache_enabled", &on);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    return on != 0;
}

/* The loader for a load now: the caching one or the other, as the configuration says. The
 * rest of the configuration (memory budget, threads) is read by epyr at each call. */
static epyr_loader *loader(int *cached)
{
    int c = caching_enabled();
    if (!g_loaders[c]) {
        int32_t code = epyr_loader_new(NULL, 0.0, c, &g_loaders[c]);
        if (code != EPYR_OK) {
            g_loaders[c] = NULL;
            emx_fail(code, NULL);
        }
    }
    if (cached)
        *cached = c;
    return g_loaders[c];
}

/* ---------------------------------------------------------------- errors */

/* The message of the last failed call: from `handle` where given and known, else this
 * thread's, else the process's (calls that fail before a handle exists). */
static char *error_message(const void *handle)
{
    uint64_t n = handle ? epyr_handle_last_error_message(handle, NULL, 0) : 0;
    char *buf;
    if (n > 1) {
        buf = mxMalloc(n);
        epyr_handle_last_error_message(handle, buf, n);
        return buf;
    }
    n = epyr_last_error_message(NULL, 0);
    if (n <= 1) {
        n = epyr_process_last_error_message(NULL, 0);
        buf = mxMalloc(n ? n : 1);
        buf[0] = '\0';
        epyr_process_last_error_message(buf, n);
        return buf;
    }
    buf = mxMalloc(n);
    epyr_last_error_message(buf, n);
    return buf;
}

/* Raises a MATLAB error with `id` and `message`, through the host's `error` so that the text
 * is epyr's alone (Octave's mexErrMsgIdAndTxt puts the MEX file's name before it). */
static void raise_error(const char *id, const char *message)
{
    static const char *FIELDS[] = {"message", "identifier"};
    mxArray *err = mxCreateStructMatrix(1, 1, 2, FIELDS);
    mxSetFieldByNumber(err, 0, 0, mxCreateString(message));
    mxSetFieldByNumber(err, 0, 1, mxCreateString(id));
    mexCallMATLAB(0, NULL, 1, &err, "error");
    mexErrMsgIdAndTxt(id, "%s", message); /* not reached: error() does not return */
}

/* `epyr:<NAME>` for a status code (EPYR_ERR_NOT_FOUND -> epyr:NOT_FOUND). */
static void error_id(int32_t code, char *id, size_t cap)
{
    const char *name = epyr_error_name(code);
    if (strncmp(name, "EPYR_ERR_", 9) == 0)
        name += 9;
    snprintf(id, cap, "epyr:%s", name);
}

void emx_fail(int32_t code, const void *handle)
{
    char id[64];
    char *message = error_message(handle);
    error_id(code, id, sizeof id);
    raise_error(id, message[0] ? message : epyr_error_name(code));
}

void emx_check(int32_t code, const void *handle, epyr_dataset *ds)
{
    char id[64];
    char *message;
    if (code == EPYR_OK)
        return;
    message = error_message(handle);
    epyr_dataset_free(ds);
    error_id(code, id, sizeof id);
    raise_error(id, message[0] ? message : epyr_error_name(code));
}

/* Raises `epyr:<NAME>` of `code` with a message formatted by the gateway. */
static void fail_formatted(int32_t code, const char *fmt, va_list args)
{
    char message[512], id[64];
    vsnprintf(message, sizeof message, fmt, args);
    error_id(code, id, sizeof id);
    raise_error(id, message);
}

void emx_fail_with(int32_t code, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fail_formatted(code, fmt, args);
    va_end(args);
}

void emx_bad_arg(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fail_formatted(EPYR_ERR_INVALID_ARG, fmt, args);
    va_end(args);
}

/* ---------------------------------------------------------------- arguments */

/* The position (1-based) of the first NUL character (char(0)) in the char array `a`, or 0.
 * MATLAB text may hold NUL; a C string ends at it, so text with one would name another file or
 * key than the one given: wherever MATLAB text becomes a C string, such text is refused. */
static size_t nul_position(const mxArray *a)
{
    const mxChar *c = mxGetChars(a);
    size_t n = mxGetNumberOfElements(a), i;
    for (i = 0; c && i < n; i++)
        if (c[i] == 0)
            return i + 1;
    return 0;
}

/* Argument `i` (1-based for messages) as a UTF-8 string (mxFree'd by the host at return).
 * A MATLAB string scalar is taken as its text, as eprload does. */
static char *text_arg(const mxArray *a, const char *fn, const char *what)
{
    char *s;
    size_t nul;
    if (mxIsClass(a, "string")) {
        mxArray *converted = NULL;
        mexCallMATLAB(1, &converted, 1, (mxArray **)&a, "char");
        a = converted;
    }
    if (!mxIsChar(a) || (mxGetM(a) > 1 && mxGetNumberOfElements(a) > 0) ||
        mxGetNumberOfDimensions(a) > 2)
        emx_bad_arg("epyr.%s: %s must be a character row vector (text), found a %s", fn, what,
                    mxGetClassName(a));
    nul = nul_position(a);
    if (nul)
        emx_bad_arg("epyr.%s: %s contains a NUL character (char(0)) at position %llu; text "
                    "given to epyr cannot hold one",
                    fn, what, (unsigned long long)nul);
#ifndef HAVE_OCTAVE
    s = mxArrayToUTF8String(a);
#else
    s = mxArrayToString(a);
#endif
    if (!s)
        emx_bad_arg("epyr.%s: %s could not be converted to text", fn, what);
    return s;
}

/* Argument as a real finite scalar number. */
static double number_arg(const mxArray *a, const char *fn, const char *what)
{
    double v;
    if (!(mxIsNumeric(a) || mxIsLogical(a)) || mxIsComplex(a) || mxGetNumberOfElements(a) != 1)
        emx_bad_arg("epyr.%s: %s must be a real scalar number, found a %s with %llu elements",
                    fn, what, mxGetClassName(a), (unsigned long long)mxGetNumberOfElements(a));
    v = mxGetScalar(a);
    if (!(v == v) || v > DBL_MAX || v < -DBL_MAX)
        emx_bad_arg("epyr.%s: %s must be finite, found %g", fn, what, v);
    return v;
}

/* A whole number >= minimum (reader rows, ids). */
static uint64_t count_arg(const mxArray *a, const char *fn, const char *what, double minimum)
{
    double v = number_arg(a, fn, what);
    if (v < minimum || v != (double)(uint64_t)v || v > 9.0e15)
        emx_bad_arg("epyr.%s: %s must be a whole number of at least %g, found %g", fn, what,
                    minimum, v);
    return (uint64_t)v;
}

static void check_args(const char *fn, int nrhs, int min_in, int max_in, int nlhs, int max_out)
{
    if (nrhs < min_in || nrhs > max_in)
        emx_bad_arg("epyr.%s: takes %d to %d input arguments, %d given", fn, min_in, max_in,
                    nrhs);
    if (nlhs > max_out)
        emx_bad_arg("epyr.%s: gives at most %d outputs, %d requested", fn, max_out, nlhs);
}

/* Optional scaling argument: "" when absent or empty. */
static const char *scaling_arg(int nrhs, const mxArray *prhs[], int index, const char *fn)
{
    if (nrhs <= index || mxIsEmpty(prhs[index]))
        return "";
    return text_arg(prhs[index], fn, "scaling");
}

/* ---------------------------------------------------------------- datasets as structs */

static mxArray *string_list(epyr_dataset *ds, uint64_t count,
                            int32_t (*get)(const epyr_dataset *, uint64_t, char *, uint64_t,
                                           uint64_t *),
                            int latin1)
{
    mxArray *cell = mxCreateCellMatrix(1, (mwSize)count);
    uint64_t i, needed = 0;
    for (i = 0; i < count; i++) {
        char *buf;
        emx_check(get(ds, i, NULL, 0, &needed), ds, ds);
        buf = mxMalloc(needed);
        emx_check(get(ds, i, buf, needed, &needed), ds, ds);
        mxSetCell(cell, (mwIndex)i, latin1 ? emx_latin1_string(buf) : mxCreateString(buf));
        mxFree(buf);
    }
    return cell;
}

/* epyr's parameters of `ds` as a struct of three cells: key, value, device. */
static mxArray *params_struct(epyr_dataset *ds)
{
    static const char *PARAM_FIELDS[] = {"key", "value", "device"};
    mxArray *params = mxCreateStructMatrix(1, 1, 3, PARAM_FIELDS), *keys, *vals, *devs;
    emx_params p;
    uint64_t i;
    emx_params_read(ds, &p);
    keys = mxCreateCellMatrix(1, (mwSize)p.count);
    vals = mxCreateCellMatrix(1, (mwSize)p.count);
    devs = mxCreateCellMatrix(1, (mwSize)p.count);
    for (i = 0; i < p.count; i++) {
        const char *dev = p.values[i] + strlen(p.values[i]) + 1;
        mxSetCell(keys, (mwIndex)i, emx_latin1_string(p.keys[i]));
        mxSetCell(vals, (mwIndex)i, emx_latin1_string(p.values[i]));
        mxSetCell(devs, (mwIndex)i, emx_latin1_string(dev));
    }
    mxSetFieldByNumber(params, 0, 0, keys);
    mxSetFieldByNumber(params, 0, 1, vals);
    mxSetFieldByNumber(params, 0, 2, devs);
    emx_params_free(&p);
    return params;
}

/* The whole dataset (or, with `with_values` 0, a described one) as a struct. Frees `ds`. */
static mxArray *dataset_struct(epyr_dataset *ds, int with_values)
{
    static const char *FIELDS[] = {"dims", "components", "complex", "values", "axes",
                                   "params", "pars", "warnings", "sources"};
    static const char *AXIS_FIELDS[] = {"values", "name", "unit"};
    uint64_t dims[3], nwarn = 0, nsrc = 0, needed = 0, i;
    uint32_t components = 0, k;
    mwSize shape[3];
    mxArray *s, *complex_flags, *values, *axes, *labels_cell[6];
    char *labels, *q;
    double *d;
    int a;

    emx_check(epyr_dataset_dims(ds, &dims[0], &dims[1], &dims[2]), ds, ds);
    emx_check(epyr_dataset_components(ds, &components), ds, ds);
    s = mxCreateStructMatrix(1, 1, 9, FIELDS);
    mxSetField(s, 0, "dims", mxCreateDoubleMatrix(1, 3, mxREAL));
    d = mxGetPr(mxGetField(s, 0, "dims"));
    d[0] = (double)dims[0], d[1] = (double)dims[1], d[2] = (double)dims[2];
    mxSetField(s, 0, "components", mxCreateDoubleScalar(components));
    complex_flags = mxCreateLogicalMatrix(1, components);
    values = mxCreateCellMatrix(1, with_values ? components : 0);
    for (i = 0; i < 3; i++)
        shape[i] = (mwSize)dims[i];
    for (k = 0; k < components; k++) {
        int32_t c = 0;
        emx_check(epyr_dataset_is_complex(ds, k, &c), ds, ds);
        mxGetLogicals(complex_flags)[k] = c != 0;
        if (with_values)
            mxSetCell(values, k, emx_component_array(ds, k, dims[2] > 1 ? 3 : 2, shape));
    }
    mxSetField(s, 0, "complex", complex_flags);
    mxSetField(s, 0, "values", values);

    emx_check(epyr_dataset_axis_labels_packed(ds, NULL, 0, &needed), ds, ds);
    labels = mxMalloc(needed);
    emx_check(epyr_dataset_axis_labels_packed(ds, labels, needed, &needed), ds, ds);
    for (q = labels, a = 0; a < 6; a++) {
        labels_cell[a] = emx_latin1_string(q);
        q += strlen(q) + 1;
    }
    mxFree(labels);
    axes = mxCreateStructMatrix(1, 3, 3, AXIS_FIELDS);
    for (a = 0; a < 3; a++) {
        uint64_t len = 0;
        mxArray *v;
        emx_check(epyr_dataset_copy_axis(ds, (uint32_t)a, NULL, 0, &len), ds, ds);
        v = mxCreateUninitNumericMatrix((mwSize)len, len ? 1 : 0, mxDOUBLE_CLASS, mxREAL);
        if (len)
            emx_check(epyr_dataset_copy_axis(ds, (uint32_t)a, mxGetPr(v), len, &len), ds, ds);
        mxSetFieldByNumber(axes, a, 0, v);
        mxSetFieldByNumber(axes, a, 1, labels_cell[2 * a]);
        mxSetFieldByNumber(axes, a, 2, labels_cell[2 * a + 1]);
    }
    mxSetField(s, 0, "axes", axes);

    mxSetField(s, 0, "params", params_struct(ds));
    mxSetField(s, 0, "pars",
               emx_eprload_pars(ds, emx_format_of(ds), dims,
                                with_values && components ? mxGetCell(values, 0) : NULL, NULL, 1));

    emx_check(epyr_dataset_warning_count(ds, &nwarn), ds, ds);
    mxSetField(s, 0, "warnings", string_list(ds, nwarn, epyr_dataset_warning, 0));
    emx_check(epyr_dataset_source_count(ds, &nsrc), ds, ds);
    mxSetField(s, 0, "sources", string_list(ds, nsrc, epyr_dataset_source, 0));
    epyr_dataset_free(ds);
    return s;
}

/* ---------------------------------------------------------------- commands */

/* The file epyr.eprload reads: its argument, or where that is a folder or absent (the current
 * folder), the file chosen in epyr.eprload_browse's dialog; NULL where it was cancelled. */
static char *eprload_path(int nrhs, const mxArray *prhs[])
{
    mxArray *folder = NULL, *chosen = NULL;
    struct stat st;
    char *path = NULL;
    if (nrhs >= 1) {
        path = text_arg(prhs[0], "eprload", "the file name");
        if (!*path || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            return path;
        folder = mxCreateString(path);
    } else {
        mexCallMATLAB(1, &folder, 0, NULL, "pwd");
    }
    mexCallMATLAB(1, &chosen, 1, &folder, "epyr.eprload_browse");
    mxDestroyArray(folder);
    if (mxIsEmpty(chosen))
        return NULL;
    return text_arg(chosen, "eprload", "the chosen file name");
}

/* epyr's label of the x axis of `ds` ("name (unit)", "name", "unit" or ""). */
static mxArray *x_label(epyr_dataset *ds)
{
    uint64_t needed = 0;
    char *labels, *label;
    const char *name, *unit;
    mxArray *out;
    emx_check(epyr_dataset_axis_labels_packed(ds, NULL, 0, &needed), ds, ds);
    labels = mxMalloc(needed);
    emx_check(epyr_dataset_axis_labels_packed(ds, labels, needed, &needed), ds, ds);
    name = labels;
    unit = name + strlen(name) + 1;
    label = mxMalloc(strlen(name) + strlen(unit) + 4);
    if (*name && *unit)
        sprintf(label, "%s (%s)", name, unit);
    else
        strcpy(label, *name ? name : unit);
    out = emx_latin1_string(label);
    mxFree(label);
    mxFree(labels);
    return out;
}

/* epyr.eprload without outputs: plots as eprload plots (epyr.eprload_plot). */
static void eprload_plot(epyr_dataset *ds, const char *path, mxArray *y)
{
    mxArray *out[4], *args[4];
    int k;
    args[3] = x_label(ds);
    emx_eprload_outputs(ds, path, y, 4, out);
    args[0] = out[0], args[1] = out[1], args[2] = out[3];
    mxDestroyArray(out[2]);
    mexCallMATLAB(0, NULL, 4, args, "epyr.eprload_plot");
    for (k = 0; k < 4; k++)
        mxDestroyArray(args[k]);
}

int emx_cache_hit = 0;

void emx_cmd_eprload(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    const char *path, *scaling;
    epyr_dataset *ds = NULL;
    epyr_loader *l;
    mxArray *y = NULL;
    int32_t code;
    int cached, k;
    check_args("eprload", nrhs, 0, 2, nlhs, 4);
    scaling = scaling_arg(nrhs, prhs, 1, "eprload");
    path = eprload_path(nrhs, prhs);
    if (!path) { /* the dialog was cancelled: empty outputs, as eprload gives */
        for (k = 0; k < nlhs; k++)
            plhs[k] = mxCreateDoubleMatrix(0, 0, mxREAL);
        return;
    }
    l = loader(&cached);
    if (!cached) {
        /* Nothing will be cached: the values go straight into the MATLAB array where they
         * can (one real component), without a buffer of epyr's, from the files described. */
        code = epyr_loader_describe(l, path, scaling, &ds);
        if (code != EPYR_OK)
            emx_fail(code, l);
        y = emx_direct_values(ds, l);
        if (!y) {
            epyr_dataset_free(ds);
            ds = NULL;
        }
    }
    emx_cache_hit = 0;
    if (!ds) {
        uint64_t hits = 0, after = 0, entries = 0;
        int counted = epyr_cache_stats(epyr_cache_global(), &entries, NULL, NULL, NULL, &hits,
                                       NULL) == EPYR_OK;
        /* An empty cache (cleared, by epyr.cache_clear in the other MEX file too) can give no
         * hit: what this MEX file kept for hits goes with it. */
        if (counted && entries == 0)
            emx_outputs_memo_clear();
        code = epyr_loader_load(l, path, scaling, &ds);
        if (code != EPYR_OK)
            emx_fail(code, l);
        emx_cache_hit = counted && cached &&
                        epyr_cache_stats(epyr_cache_global(), NULL, NULL, NULL, NULL, &after,
                                         NULL) == EPYR_OK &&
                        after > hits;
    }
    if (nlhs == 0)
        eprload_plot(ds, path, y);
    else
        emx_eprload_outputs(ds, path, y, nlhs, plhs);
    emx_cache_hit = 0;
}

static void cmd_load(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[], int describe)
{
    const char *fn = describe ? "describe" : "load";
    const char *path, *scaling;
    epyr_dataset *ds = NULL;
    epyr_loader *l;
    int32_t code;
    check_args(fn, nrhs, 1, 2, nlhs, 1);
    path = text_arg(prhs[0], fn, "the file name");
    scaling = scaling_arg(nrhs, prhs, 1, fn);
    l = loader(NULL);
    code = describe ? epyr_loader_describe(l, path, scaling, &ds)
                    : epyr_loader_load(l, path, scaling, &ds);
    if (code != EPYR_OK)
        emx_fail(code, l);
    plhs[0] = dataset_struct(ds, !describe);
}

/* The dataset of the file named by `file` with `scaling`, loaded through the loader the
 * configuration chooses; the caller frees it. */
static epyr_dataset *loaded_dataset(const mxArray *file, const char *scaling, const char *fn)
{
    const char *path = text_arg(file, fn, "the file name");
    epyr_loader *l = loader(NULL);
    epyr_dataset *ds = NULL;
    int32_t code = epyr_loader_load(l, path, scaling, &ds);
    if (code != EPYR_OK)
        emx_fail(code, l);
    return ds;
}

/* epyr.metadata(file[, scaling]): the common metadata as JSON text (metadata.m decodes it). */
static void cmd_metadata(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    uint64_t needed = 0;
    char *json;
    epyr_dataset *ds;
    check_args("metadata", nrhs, 1, 2, nlhs, 1);
    ds = loaded_dataset(prhs[0], scaling_arg(nrhs, prhs, 1, "metadata"), "metadata");
    emx_check(epyr_dataset_metadata_json(ds, NULL, 0, &needed), ds, ds);
    json = mxMalloc(needed);
    emx_check(epyr_dataset_metadata_json(ds, json, needed, &needed), ds, ds);
    epyr_dataset_free(ds);
    plhs[0] = mxCreateString(json);
}

/* epyr.save(file, out[, format[, overwrite]]): the dataset of `file` written to `out` as CSV,
 * the JSON metadata document or BES3T (format "" or absent: from out's extension). */
static void cmd_save(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    const char *out, *format = NULL;
    int32_t overwrite = 0;
    epyr_dataset *ds;
    (void)plhs;
    check_args("save", nrhs, 2, 4, nlhs, 0);
    out = text_arg(prhs[1], "save", "the output file name");
    if (nrhs > 2 && !mxIsEmpty(prhs[2]))
        format = text_arg(prhs[2], "save", "the output format");
    if (nrhs > 3) {
        if (!(mxIsLogical(prhs[3]) || mxIsNumeric(prhs[3])) || mxGetNumberOfElements(prhs[3]) != 1)
            emx_bad_arg("epyr.save: overwrite must be true or false, found a %s with %llu "
                        "elements",
                        mxGetClassName(prhs[3]),
                        (unsigned long long)mxGetNumberOfElements(prhs[3]));
        overwrite = mxGetScalar(prhs[3]) != 0;
    }
    ds = loaded_dataset(prhs[0], "", "save");
    emx_check(epyr_dataset_export(ds, out, format, overwrite), ds, ds);
    epyr_dataset_free(ds);
}

/* The message of file `index` of this thread's last epyr_loader_load_many, as a MATLAB char
 * row: that file's own, whole, whatever its name holds. */
static mxArray *batch_message(uint64_t index)
{
    uint64_t needed = 0;
    char *text;
    mxArray *out;
    int32_t code = epyr_last_batch_message(index, NULL, 0, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    text = mxMalloc(needed);
    code = epyr_last_batch_message(index, text, needed, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    out = mxCreateString(text);
    mxFree(text);
    return out;
}

/* Each file name of load_many's cell `files`: an empty element (`''`, `[]`, an unset cell) is
 * an empty path, which is that file's own error; other elements must be text. */
static const char **batch_paths(const mxArray *files, uint64_t n)
{
    const char **paths = mxMalloc((n ? n : 1) * sizeof *paths);
    uint64_t i;
    for (i = 0; i < n; i++) {
        const mxArray *c = mxGetCell(files, (mwIndex)i);
        paths[i] = !c || mxIsEmpty(c) ? "" : text_arg(c, "load_many", "each file name");
    }
    return paths;
}

static void cmd_load_many(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    static const char *STATUS_FIELDS[] = {"file", "ok", "identifier", "message"};
    const char *scaling, **paths;
    epyr_dataset **datasets;
    int32_t *statuses, code;
    uint64_t n, i;
    mxArray *out, *status;
    epyr_loader *l;
    check_args("load_many", nrhs, 1, 2, nlhs, 2);
    if (!mxIsCell(prhs[0]))
        emx_bad_arg("epyr.load_many: files must be a cell array of file names, found a %s",
                    mxGetClassName(prhs[0]));
    n = mxGetNumberOfElements(prhs[0]);
    scaling = scaling_arg(nrhs, prhs, 1, "load_many");
    paths = batch_paths(prhs[0], n);
    datasets = mxCalloc(n ? n : 1, sizeof *datasets);
    statuses = mxCalloc(n ? n : 1, sizeof *statuses);
    l = loader(NULL);
    code = epyr_loader_load_many(l, paths, n, scaling, datasets, statuses, NULL);
    if (code != EPYR_OK)
        emx_fail(code, l);
    /* Every handle is turned into a struct (which frees it) before anything can fail. */
    out = mxCreateCellMatrix(1, (mwSize)n);
    for (i = 0; i < n; i++)
        if (datasets[i]) {
            epyr_dataset *ds = datasets[i];
            datasets[i] = NULL;
            mxSetCell(out, (mwIndex)i, dataset_struct(ds, 1));
        }
    status = mxCreateStructMatrix(1, (mwSize)n, 4, STATUS_FIELDS);
    for (i = 0; i < n; i++) {
        char id[64] = "";
        mxSetFieldByNumber(status, (mwIndex)i, 0, mxCreateString(paths[i]));
        mxSetFieldByNumber(status, (mwIndex)i, 1, mxCreateLogicalScalar(statuses[i] == EPYR_OK));
        if (statuses[i] != EPYR_OK)
            error_id(statuses[i], id, sizeof id);
        mxSetFieldByNumber(status, (mwIndex)i, 2, mxCreateString(id));
        mxSetFieldByNumber(status, (mwIndex)i, 3, batch_message(i));
    }
    plhs[0] = out;
    if (nlhs >= 2)
        plhs[1] = status;
    else
        mxDestroyArray(status);
}

/* ---------------------------------------------------------------- readers */

/* The id of an open reader in MATLAB: its handle's number. */
static uint64_t reader_id(const epyr_reader *r)
{
    return (uint64_t)(uintptr_t)r;
}

/* The slot of the open reader that `a` (a struct from epyr.reader, or its id) names. */
static int reader_slot(const mxArray *a, const char *fn)
{
    const mxArray *id = a;
    uint64_t v;
    int slot;
    if (mxIsStruct(a) && mxGetNumberOfElements(a) == 1 && mxGetField(a, 0, "id"))
        id = mxGetField(a, 0, "id");
    if (!(mxIsNumeric(id) && mxGetNumberOfElements(id) == 1))
        emx_bad_arg("epyr.%s: expected a reader from epyr.reader, found a %s", fn,
                    mxGetClassName(a));
    v = count_arg(id, fn, "the reader id", 1);
    for (slot = 0; slot < MAX_READERS; slot++)
        if (g_readers[slot] && reader_id(g_readers[slot]) == v)
            return slot;
    emx_bad_arg("epyr.%s: reader %llu is not open (closed already, or not from epyr.reader)", fn,
                (unsigned long long)v);
    return -1; /* not reached */
}

static mxArray *reader_info_struct(int slot)
{
    static const char *FIELDS[] = {"id", "dims", "values_per_point", "chunk_points", "position"};
    uint64_t nx, ny, nz, vpp, chunk, pos;
    mxArray *s = mxCreateStructMatrix(1, 1, 5, FIELDS), *dims;
    double *d;
    epyr_reader *r = g_readers[slot];
    int32_t code = epyr_reader_info(r, &nx, &ny, &nz, &vpp, &chunk, &pos);
    if (code != EPYR_OK)
        emx_fail(code, r);
    dims = mxCreateDoubleMatrix(1, 3, mxREAL);
    d = mxGetPr(dims);
    d[0] = (double)nx, d[1] = (double)ny, d[2] = (double)nz;
    mxSetField(s, 0, "id", mxCreateDoubleScalar((double)reader_id(r)));
    mxSetField(s, 0, "dims", dims);
    mxSetField(s, 0, "values_per_point", mxCreateDoubleScalar((double)vpp));
    mxSetField(s, 0, "chunk_points", mxCreateDoubleScalar((double)chunk));
    mxSetField(s, 0, "position", mxCreateDoubleScalar((double)pos));
    return s;
}

static void cmd_reader_open(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    const char *path, *scaling;
    double chunk_mb = 0;
    epyr_loader *l = NULL;
    epyr_reader *r = NULL;
    int32_t code;
    int slot;
    check_args("reader", nrhs, 1, 3, nlhs, 1);
    path = text_arg(prhs[0], "reader", "the file name");
    if (nrhs >= 2 && !mxIsEmpty(prhs[1])) {
        chunk_mb = number_arg(prhs[1], "reader", "chunk_mb");
        if (!(chunk_mb > 0))
            emx_bad_arg("epyr.reader: chunk_mb must be above 0, found %g", chunk_mb);
    }
    scaling = scaling_arg(nrhs, prhs, 2, "reader");
    for (slot = 0; slot < MAX_READERS && g_readers[slot]; slot++)
        ;
    if (slot == MAX_READERS)
        emx_bad_arg("epyr.reader: %d readers are open; close some with epyr.reader_close",
                    MAX_READERS);
    code = epyr_loader_new(NULL, chunk_mb, -1, &l);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    code = epyr_reader_open_scaled(l, path, scaling, &r);
    if (code != EPYR_OK) {
        char id[64];
        char *message = error_message(l);
        epyr_loader_free(l);
        error_id(code, id, sizeof id);
        raise_error(id, message);
    }
    epyr_loader_free(l);
    g_readers[slot] = r;
    plhs[0] = reader_info_struct(slot);
}

static void cmd_reader_next(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    uint64_t vpp = 0, chunk = 0, len = 0, first = 0;
    int slot;
    epyr_reader *r;
    mxArray *v;
    int32_t code;
    check_args("reader_next", nrhs, 1, 1, nlhs, 2);
    slot = reader_slot(prhs[0], "reader_next");
    r = g_readers[slot];
    code = epyr_reader_info(r, NULL, NULL, NULL, &vpp, &chunk, NULL);
    if (code != EPYR_OK)
        emx_fail(code, r);
    v = mxCreateUninitNumericMatrix((mwSize)(chunk * vpp), 1, mxDOUBLE_CLASS, mxREAL);
    code = epyr_reader_next(r, mxGetPr(v), chunk * vpp, &len, &first);
    if (code != EPYR_OK)
        emx_fail(code, r);
    mxSetM(v, (mwSize)len); /* the last chunk may be shorter: the array just says so */
    plhs[0] = v;
    if (nlhs >= 2)
        plhs[1] = mxCreateDoubleScalar((double)first);
}

static void cmd_reader_rows(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    uint64_t first, count, len = 0;
    int slot;
    epyr_reader *r;
    mxArray *v;
    int32_t code;
    check_args("reader_rows", nrhs, 3, 3, nlhs, 1);
    slot = reader_slot(prhs[0], "reader_rows");
    first = count_arg(prhs[1], "reader_rows", "first", 0);
    count = count_arg(prhs[2], "reader_rows", "count", 0);
    r = g_readers[slot];
    code = epyr_reader_read_rows(r, first, count, NULL, 0, &len);
    if (code != EPYR_OK)
        emx_fail(code, r);
    v = mxCreateUninitNumericMatrix((mwSize)len, 1, mxDOUBLE_CLASS, mxREAL);
    code = epyr_reader_read_rows(r, first, count, mxGetPr(v), len, &len);
    if (code != EPYR_OK)
        emx_fail(code, r);
    plhs[0] = v;
}

static void cmd_reader_close(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    int slot;
    (void)plhs;
    check_args("reader_close", nrhs, 1, 1, nlhs, 0);
    slot = reader_slot(prhs[0], "reader_close");
    epyr_reader_free(g_readers[slot]);
    g_readers[slot] = NULL;
}

static void cmd_reader_info(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    check_args("reader_info", nrhs, 1, 1, nlhs, 1);
    plhs[0] = reader_info_struct(reader_slot(prhs[0], "reader_info"));
}

/* ---------------------------------------------------------------- performance system */

static mxArray *struct_of_numbers(int n, const char **names, const double *values)
{
    mxArray *s = mxCreateStructMatrix(1, 1, n, names);
    int i;
    for (i = 0; i < n; i++)
        mxSetFieldByNumber(s, 0, i, mxCreateDoubleScalar(values[i]));
    return s;
}

static void cmd_cache_stats(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    static const char *NAMES[] = {"entries",      "total_size_mb", "max_size_mb",
                                  "usage_percent", "hits",          "misses",
                                  "total_bytes",   "max_bytes",     "evictions",
                                  "invalidations"};
    uint64_t entries, hits, misses, total, max, evictions, invalidations;
    double total_mb, max_mb, usage, v[10];
    epyr_cache *c = epyr_cache_global();
    int32_t code;
    (void)prhs;
    check_args("cache_stats", nrhs, 0, 0, nlhs, 1);
    code = epyr_cache_stats(c, &entries, &total_mb, &max_mb, &usage, &hits, &misses);
    if (code != EPYR_OK)
        emx_fail(code, c);
    code = epyr_cache_stats_ex(c, &total, &max, &evictions, &invalidations);
    if (code != EPYR_OK)
        emx_fail(code, c);
    v[0] = (double)entries, v[1] = total_mb, v[2] = max_mb, v[3] = usage, v[4] = (double)hits;
    v[5] = (double)misses, v[6] = (double)total, v[7] = (double)max;
    v[8] = (double)evictions, v[9] = (double)invalidations;
    plhs[0] = struct_of_numbers(10, NAMES, v);
}

static void cmd_cache_clear(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    epyr_cache *c = epyr_cache_global();
    int32_t code;
    (void)plhs, (void)prhs;
    check_args("cache_clear", nrhs, 0, 0, nlhs, 0);
    emx_outputs_memo_clear(); /* what epyr.eprload kept for cache hits goes with the cache */
    code = epyr_cache_clear(c);
    if (code != EPYR_OK)
        emx_fail(code, c);
}

static void cmd_cache_resize(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    epyr_cache *c = epyr_cache_global();
    int32_t code;
    (void)plhs;
    check_args("cache_resize", nrhs, 1, 1, nlhs, 0);
    code = epyr_cache_resize(c, number_arg(prhs[0], "cache_resize", "mb"));
    if (code != EPYR_OK)
        emx_fail(code, c);
}

static double config_number(const char *key)
{
    double v = 0;
    int32_t code = epyr_config_get_double(key, &v);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    return v;
}

static void cmd_memory_info(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    static const char *NAMES[] = {"rss_mb", "vms_mb", "percent", "library_mb", "limit_mb"};
    double v[5];
    int32_t code;
    (void)prhs;
    check_args("memory_info", nrhs, 0, 0, nlhs, 1);
    code = epyr_memory_info(&v[0], &v[1], &v[2], &v[3]);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    v[4] = config_number("performance.memory_limit_mb");
    plhs[0] = struct_of_numbers(5, NAMES, v);
}

static void cmd_check_memory_limit(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    int32_t within = 0, code;
    (void)prhs;
    check_args("check_memory_limit", nrhs, 0, 0, nlhs, 1);
    code = epyr_check_memory_limit(&within);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    plhs[0] = mxCreateLogicalScalar(within != 0);
}

static void cmd_optimize_memory(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    static const char *NAMES[] = {"evicted_entries", "library_bytes_released",
                                  "rss_bytes_released"};
    uint64_t evicted = 0, lib = 0, rss = 0;
    double v[3];
    int32_t code;
    (void)prhs;
    check_args("optimize_memory", nrhs, 0, 0, nlhs, 1);
    code = epyr_optimize_memory_ex(&evicted, &lib, &rss);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    v[0] = (double)evicted, v[1] = (double)lib, v[2] = (double)rss;
    plhs[0] = struct_of_numbers(3, NAMES, v);
}

static void cmd_config_get(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    const char *key;
    uint64_t needed = 0;
    char *text, *end;
    int32_t code;
    double v;
    check_args("config_get", nrhs, 1, 1, nlhs, 1);
    key = text_arg(prhs[0], "config_get", "the key");
    code = epyr_config_get(key, NULL, 0, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    text = mxMalloc(needed);
    code = epyr_config_get(key, text, needed, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        plhs[0] = mxCreateLogicalScalar(text[0] == 't');
        return;
    }
    v = strtod(text, &end);
    plhs[0] = *end == '\0' ? mxCreateDoubleScalar(v) : mxCreateString(text);
}

static void cmd_config_set(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    const char *key;
    int32_t code;
    (void)plhs;
    check_args("config_set", nrhs, 2, 2, nlhs, 0);
    key = text_arg(prhs[0], "config_set", "the key");
    if (mxIsLogical(prhs[1]) && mxGetNumberOfElements(prhs[1]) == 1)
        code = epyr_config_set_bool(key, mxIsLogicalScalarTrue(prhs[1]));
    else if (mxIsChar(prhs[1]) || mxIsClass(prhs[1], "string"))
        code = epyr_config_set(key, text_arg(prhs[1], "config_set", "the value"));
    else
        code = epyr_config_set_double(key, number_arg(prhs[1], "config_set", "the value"));
    if (code != EPYR_OK)
        emx_fail(code, NULL);
}

static void cmd_config_file(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[], int save)
{
    const char *fn = save ? "config_save" : "config_load";
    const char *path = NULL;
    int32_t code;
    (void)plhs;
    check_args(fn, nrhs, 0, 1, nlhs, 0);
    if (nrhs == 1)
        path = text_arg(prhs[0], fn, "the path");
    code = save ? epyr_config_save(path) : epyr_config_load(path);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
}

static void cmd_performance_info(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    uint64_t needed = 0;
    char *json;
    int32_t code;
    (void)prhs;
    check_args("performance_info", nrhs, 0, 0, nlhs, 1);
    code = epyr_performance_info_json(NULL, 0, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    json = mxMalloc(needed);
    code = epyr_performance_info_json(json, needed, &needed);
    if (code != EPYR_OK)
        emx_fail(code, NULL);
    plhs[0] = mxCreateString(json); /* decoded by the .m function (jsondecode) */
}

static void cmd_version(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    (void)prhs;
    check_args("version", nrhs, 0, 0, nlhs, 1);
    plhs[0] = mxCreateString(epyr_version());
}

/* ---------------------------------------------------------------- dispatch */

typedef void (*command_fn)(int, mxArray *[], int, const mxArray *[]);

static void cmd_describe(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    cmd_load(nlhs, plhs, nrhs, prhs, 1);
}
static void cmd_load_full(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    cmd_load(nlhs, plhs, nrhs, prhs, 0);
}
static void cmd_config_save(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    cmd_config_file(nlhs, plhs, nrhs, prhs, 1);
}
static void cmd_config_load(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    cmd_config_file(nlhs, plhs, nrhs, prhs, 0);
}

static const struct {
    const char *name;
    command_fn fn;
} COMMANDS[] = {
    {"eprload", emx_cmd_eprload},
    {"load", cmd_load_full},
    {"describe", cmd_describe},
    {"load_many", cmd_load_many},
    {"reader", cmd_reader_open},
    {"reader_next", cmd_reader_next},
    {"reader_rows", cmd_reader_rows},
    {"reader_info", cmd_reader_info},
    {"reader_close", cmd_reader_close},
    {"cache_stats", cmd_cache_stats},
    {"cache_clear", cmd_cache_clear},
    {"cache_resize", cmd_cache_resize},
    {"memory_info", cmd_memory_info},
    {"check_memory_limit", cmd_check_memory_limit},
    {"optimize_memory", cmd_optimize_memory},
    {"config_get", cmd_config_get},
    {"config_set", cmd_config_set},
    {"config_save", cmd_config_save},
    {"config_load", cmd_config_load},
    {"performance_info", cmd_performance_info},
    {"metadata", cmd_metadata},
    {"save", cmd_save},
    {"version", cmd_version},
};

void emx_dispatch(int nlhs, mxArray *plhs[], int nrhs, const mxArray *prhs[])
{
    char name[32];
    size_t i;
    emx_register_exit();
    if (nrhs < 1 || !mxIsChar(prhs[0]) || mxGetString(prhs[0], name, sizeof name) != 0)
        emx_bad_arg("epyr_mex: call it through the functions of the +epyr package");
    if (nul_position(prhs[0]))
        emx_bad_arg("epyr_mex: the command name contains a NUL character (char(0))");
    for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(name, COMMANDS[i].name) == 0) {
            COMMANDS[i].fn(nlhs, plhs, nrhs - 1, prhs + 1);
            return;
        }
    emx_bad_arg("epyr_mex: unknown command '%s'", name);
}
