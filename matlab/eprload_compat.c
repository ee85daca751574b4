/* EasySpin eprload's conventions over an epyr dataset: shapes and orientations of x and y,
 * the abscissae computed the way eprload computes them (with the host's own linspace), the
 * parameter struct converted as eprload's parsefieldparams converts it, and the file name.
 * Facts from EasySpin's eprload.m (MIT); the code is epyr's own. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "epyr_mex.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

/* ---------------------------------------------------------------- parameters */

void emx_params_read(epyr_dataset *ds, emx_params *out)
{
    uint64_t needed = 0, i;
    const char *p;
    memset(out, 0, sizeof *out);
    emx_check(epyr_dataset_params_packed(ds, NULL, 0, &needed), ds, ds);
    emx_check(epyr_dataset_param_count(ds, &out->count), ds, ds);
    out->packed = mxMalloc(needed ? needed : 1);
    out->keys = mxMalloc((out->count ? out->count : 1) * sizeof *out->keys);
    out->values = mxMalloc((out->count ? out->count : 1) * sizeof *out->values);
    if (needed)
        emx_check(epyr_dataset_params_packed(ds, out->packed, needed, &needed), ds, ds);
    out->bytes = needed;
    p = out->packed;
    for (i = 0; i < out->count; i++) {
        out->keys[i] = p;
        p += strlen(p) + 1;
        out->values[i] = p;
        p += strlen(p) + 1;
        p += strlen(p) + 1; /* device block: not part of eprload's struct */
    }
}

void emx_params_free(emx_params *p)
{
    mxFree(p->packed);
    mxFree((void *)p->keys);
    mxFree((void *)p->values);
}

const char *emx_params_get(const emx_params *p, const char *key)
{
    uint64_t i = p->count;
    while (i-- > 0)
        if (strcmp(p->keys[i], key) == 0)
            return p->values[i];
    return NULL;
}

/* ---------------------------------------------------------------- eprload's text rules */

/* A character strtok and deblank treat as blank: whitespace or NUL. */
static int is_blank_char(char c)
{
    return c == '\0' || isspace((unsigned char)c);
}

/* Splits `text` in place into its lines as Octave's textscan splits a descriptor (at LF, at
 * CR LF and at a lone CR; empty lines kept), writing the start of each into `lines` (room for
 * every line). Returns the number of lines. */
static size_t split_lines(char *text, char **lines)
{
    size_t n = 0;
    char *s = text;
    lines[n++] = s;
    for (; *s; s++) {
        if (*s != '\r' && *s != '\n')
            continue;
        if (s[0] == '\r' && s[1] == '\n')
            *s++ = '\0';
        *s = '\0';
        lines[n++] = s + 1;
    }
    return n;
}

/* An arena of text for the keys and values eprload's loop makes: each is appended once. */
typedef struct {
    char *next; /* where the next string goes; the arena has room for all of them */
} emx_arena;

/* Appends `len` bytes of `text` and a NUL to the arena; returns where they went. */
static char *arena_add(emx_arena *a, const char *text, size_t len)
{
    char *at = a->next;
    memcpy(at, text, len);
    at[len] = '\0';
    a->next = at + len + 1;
    return at;
}

/* eprload's line after its continuation: `lines[k]` (ending in `\`) joined with the lines
 * after it up to, not including, the first that does not end in `\` (every `\` at a joint and
 * the last one left out; the lines joined are emptied, so that they are skipped later), then
 * `\n` made a newline. Written into the arena; returns it. An empty line or the end of the
 * text also ends the continuation (where eprload stops with an indexing error). */
static char *continued_line(char **lines, size_t n, size_t k, emx_arena *a)
{
    char *start = a->next, *out = start, *in;
    size_t k2, len = strlen(lines[k]);
    memcpy(out, lines[k], len - 1);
    out += len - 1;
    for (k2 = k + 1; k2 < n && (len = strlen(lines[k2])) > 0 && lines[k2][len - 1] == '\\';
         k2++) {
        memcpy(out, lines[k2], len - 1);
        out += len - 1;
        lines[k2][0] = '\0';
    }
    *out = '\0';
    /* strrep(line, '\n', newline), in place: the text only gets shorter. */
    for (in = out = start; *in; in++, out++) {
        if (in[0] == '\\' && in[1] == 'n') {
            *out = '\n';
            in++;
        } else {
            *out = *in;
        }
    }
    *out = '\0';
    a->next = out + 1;
    return start;
}

/* eprload's loop (readDSCfile in private/eprload_BrukerBES3T.m) over the lines of `text`, the
 * text of one parameter as written: each key and value it sets is appended to `out` (keys and
 * values in the arena). Returns 1 where the loop stops for good (a `#MHL` key), else 0. */
static int eprload_lines(char *text, char **lines, emx_arena *a, emx_params *out)
{
    size_t n = split_lines(text, lines), k;
    for (k = 0; k < n; k++) {
        char *line = lines[k], *key, *value, *end;
        size_t len = strlen(line);
        if (len == 0)
            continue;
        if (line[len - 1] == '\\')
            line = continued_line(lines, n, k, a);
        /* [Key, Value] = strtok(line) */
        for (key = line; *key && is_blank_char(*key); key++)
            ;
        for (value = key; *value && !is_blank_char(*value); value++)
            ;
        if (value == key)
            continue;
        if (!isalpha((unsigned char)key[0])) {
            if ((size_t)(value - key) == 4 && strncasecmp(key, "#MHL", 4) == 0)
                return 1;
            continue;
        }
        out->keys[out->count] = arena_add(a, key, (size_t)(value - key));
        /* deblank at both ends, then one pair of outer quotes off (one quote alone: off) */
        while (*value && is_blank_char(*value))
            value++;
        for (end = value + strlen(value); end > value && is_blank_char(end[-1]); end--)
            ;
        if (end > value && value[0] == '\'' && end[-1] == '\'') {
            value++;
            if (end > value)
                end--;
        }
        out->values[out->count++] = arena_add(a, value, (size_t)(end - value));
    }
    return 0;
}

void emx_eprload_params(epyr_dataset *ds, const emx_params *p, emx_params *out)
{
    uint64_t needed = 0, i, room;
    char *written, *text, *next, **lines;
    emx_arena arena;
    emx_check(epyr_dataset_param_lines_packed(ds, NULL, 0, &needed), ds, ds);
    /* At most one entry per line of a written text. */
    room = p->count + needed + 1;
    memset(out, 0, sizeof *out);
    out->keys = mxMalloc(room * sizeof *out->keys);
    out->values = mxMalloc(room * sizeof *out->values);
    if (needed == p->count) { /* every text "": every parameter is one plain line */
        out->packed = mxMalloc(1);
        memcpy((void *)out->keys, p->keys, p->count * sizeof *p->keys);
        memcpy((void *)out->values, p->values, p->count * sizeof *p->values);
        out->count = p->count;
        return;
    }
    /* The written texts at the end; before them the arena, where each text's joined lines
     * and its keys and values take less than twice its bytes each. */
    out->packed = mxMalloc(5 * needed + 16);
    written = out->packed + 4 * needed + 16;
    emx_check(epyr_dataset_param_lines_packed(ds, written, needed, &needed), ds, ds);
    lines = mxMalloc((needed + 1) * sizeof *lines);
    arena.next = out->packed;
    for (i = 0, text = written; i < p->count; i++, text = next) {
        next = text + strlen(text) + 1; /* before the text is split into lines in place */
        if (!*text) {
            out->keys[out->count] = p->keys[i];
            out->values[out->count++] = p->values[i];
        } else if (eprload_lines(text, lines, &arena, out)) {
            break;
        }
    }
    mxFree(lines);
}

/* Decodes one UTF-8 sequence at *s (advancing it); invalid bytes stand for themselves. */
static unsigned utf8_next(const unsigned char **s)
{
    const unsigned char *c = *s;
    if (c[0] >= 0xC0 && c[0] < 0xE0 && (c[1] & 0xC0) == 0x80) {
        *s += 2;
        return ((unsigned)(c[0] & 0x1F) << 6) | (c[1] & 0x3F);
    }
    *s += 1;
    return c[0];
}

mxArray *emx_latin1_string(const char *utf8)
{
    const unsigned char *s = (const unsigned char *)utf8;
    mwSize dims[2] = {1, 0};
    mxArray *a;
    mxChar *out;
    size_t n = 0;
    while (*s) {
        utf8_next(&s);
        n++;
    }
    dims[1] = n;
    a = mxCreateCharArray(2, dims);
    out = mxGetChars(a);
    for (s = (const unsigned char *)utf8; *s; out++)
        *out = (mxChar)utf8_next(&s);
    return a;
}

/* eprload's sscanf(v, '%f'/'%e') on a parameter: the numbers at the start of `text`, one after
 * the other (whitespace between them optional). Returns how many were read into `out` (at most
 * `cap`, further ones only counted) and sets *whole when the whole text was numbers. */
static size_t scan_numbers(const char *text, double *out, size_t cap, int *whole)
{
    const char *s = text;
    size_t n = 0;
    *whole = 0;
    for (;;) {
        const char *start, *t;
        double v;
        while (isspace((unsigned char)*s))
            s++;
        if (*s == '\0') {
            *whole = 1;
            return n;
        }
        start = s;
        t = s;
        if (*t == '+' || *t == '-')
            t++;
        if ((tolower((unsigned char)t[0]) == 'i' && tolower((unsigned char)t[1]) == 'n' &&
             tolower((unsigned char)t[2]) == 'f') ||
            (tolower((unsigned char)t[0]) == 'n' && tolower((unsigned char)t[1]) == 'a' &&
             tolower((unsigned char)t[2]) == 'n')) {
            int negative = *start == '-';
            v = tolower((unsigned char)t[0]) == 'i' ? HUGE_VAL : nan("");
            if (negative)
                v = -v;
            s = t + 3;
        } else {
            int digits = 0;
            char *end;
            while (isdigit((unsigned char)*t)) {
                t++;
                digits++;
            }
            if (*t == '.') {
                t++;
                while (isdigit((unsigned char)*t)) {
                    t++;
                    digits++;
                }
            }
            if (!digits)
                return n;
            if ((*t == 'e' || *t == 'E') &&
                (isdigit((unsigned char)t[1]) ||
                 ((t[1] == '+' || t[1] == '-') && isdigit((unsigned char)t[2])))) {
                t += 2;
                while (isdigit((unsigned char)*t))
                    t++;
            }
            v = strtod(start, &end);
            if (end != t)
                return n;
            s = t;
        }
        if (n < cap)
            out[n] = v;
        n++;
    }
}

/* The first number of a parameter as eprload's sscanf(value, '%f') gives it; 0 if missing. */
static int param_number(const emx_params *p, const char *key, double *value)
{
    const char *text = emx_params_get(p, key);
    int whole;
    return text && scan_numbers(text, value, 1, &whole) > 0;
}

/* eprload's parsefieldparams on one value. */
static mxArray *converted_value(const char *value)
{
    size_t len = strlen(value), n;
    int whole;
    mxArray *a;
    if (len == 0) {
        mwSize dims[2] = {1, 0};
        return mxCreateCharArray(2, dims);
    }
    if (strcasecmp(value, "true") == 0)
        return mxCreateLogicalScalar(1);
    if (strcasecmp(value, "false") == 0)
        return mxCreateLogicalScalar(0);
    if (isalpha((unsigned char)value[0]))
        return emx_latin1_string(value);
    n = scan_numbers(value, NULL, 0, &whole);
    if (!whole || n == 0)
        return emx_latin1_string(value);
    a = mxCreateDoubleMatrix(1, n, mxREAL);
    scan_numbers(value, mxGetPr(a), n, &whole);
    return a;
}

/* MATLAB's reserved words, which genvarname prefixes with 'x'. */
static const char *const KEYWORDS[] = {
    "break", "case", "catch", "classdef", "continue", "do", "else", "elseif", "end",
    "end_try_catch", "end_unwind_protect", "endclassdef", "endenumeration", "endevents",
    "endfor", "endfunction", "endif", "endmethods", "endparfor", "endproperties", "endspmd",
    "endswitch", "endwhile", "enumeration", "events", "for", "function", "global", "if",
    "methods", "otherwise", "parfor", "persistent", "properties", "return", "spmd", "switch",
    "try", "until", "unwind_protect", "unwind_protect_cleanup", "while", NULL};

/* The struct field name eprload makes of a key (genvarname for keys that are no valid name):
 * characters other than letters, digits and '_' become '_', a reserved word gets an 'x' and a
 * capital. Written into `out`, which has room for strlen(key) + 2 bytes. */
static void field_name(const char *key, char *out)
{
    size_t len = strlen(key), i;
    int k;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        out[i] = (isalnum(c) || c == '_') && c < 128 ? (char)c : '_';
    }
    out[len] = '\0';
    for (k = 0; KEYWORDS[k]; k++) {
        if (strcmp(out, KEYWORDS[k]) == 0) {
            memmove(out + 1, out, len + 1);
            out[0] = 'x';
            out[1] = (char)toupper((unsigned char)out[1]);
            break;
        }
    }
}

/* FNV-1a, for the table of field names. */
static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

mxArray *emx_pars_struct(const emx_params *p, int is_esp, uint64_t nx)
{
    /* Field i of the struct: its name and the index of the parameter that sets it last. */
    size_t cap = 16, nfields = 0, i, slot, name_bytes = 0;
    const char **names;
    char *name_store, *name;
    uint64_t *source;
    size_t *table;
    int add_jey = is_esp && nx > 1 && emx_params_get(p, "JEY") == NULL;
    mxArray *s;
    while (cap < 2 * (p->count + 1))
        cap *= 2;
    names = mxMalloc((p->count + 1) * sizeof *names);
    source = mxMalloc((p->count + 1) * sizeof *source);
    table = mxMalloc(cap * sizeof *table);
    /* Every field name in one block (one allocation, not one per key). */
    for (i = 0; i < p->count; i++)
        name_bytes += strlen(p->keys[i]) + 2;
    name_store = mxMalloc(name_bytes ? name_bytes : 1);
    name = name_store;
    for (i = 0; i < cap; i++)
        table[i] = (size_t)-1;
    for (i = 0; i < p->count; i++) {
        field_name(p->keys[i], name);
        for (slot = hash_name(name) & (cap - 1); table[slot] != (size_t)-1;
             slot = (slot + 1) & (cap - 1))
            if (strcmp(names[table[slot]], name) == 0)
                break;
        if (table[slot] == (size_t)-1) {
            table[slot] = nfields;
            names[nfields] = name;
            source[nfields++] = i;
            name += strlen(name) + 1;
        } else {
            source[table[slot]] = i; /* a repeated key: the last value, the first place */
        }
    }
    if (add_jey)
        names[nfields++] = "JEY";
    s = mxCreateStructMatrix(1, 1, (int)nfields, names);
    for (i = 0; i < nfields; i++) {
        if (add_jey && i == nfields - 1)
            mxSetFieldByNumber(s, 0, (int)i, mxCreateString(""));
        else
            mxSetFieldByNumber(s, 0, (int)i, converted_value(p->values[source[i]]));
    }
    mxFree(name_store);
    mxFree((void *)names);
    mxFree(source);
    mxFree(table);
    return s;
}

/* ---------------------------------------------------------------- values */

mxArray *emx_component_array(epyr_dataset *ds, uint32_t k, mwSize ndim, const mwSize *dims)
{
    int32_t is_complex = 0;
    uint64_t n = 1, len = 0;
    mwSize i;
    mxArray *a;
    for (i = 0; i < ndim; i++)
        n *= dims[i];
    emx_check(epyr_dataset_is_complex(ds, k, &is_complex), ds, ds);
    if (!is_complex) {
        a = mxCreateUninitNumericArray(ndim, (mwSize *)dims, mxDOUBLE_CLASS, mxREAL);
#if MX_HAS_INTERLEAVED_COMPLEX
        emx_check(epyr_dataset_copy_values(ds, k, mxGetDoubles(a), n, &len), ds, ds);
#else
        emx_check(epyr_dataset_copy_values(ds, k, mxGetPr(a), n, &len), ds, ds);
#endif
        return a;
    }
    a = mxCreateUninitNumericArray(ndim, (mwSize *)dims, mxDOUBLE_CLASS, mxCOMPLEX);
#if MX_HAS_INTERLEAVED_COMPLEX
    /* mxComplexDouble is {real, imag}: epyr's interleaved order, so one straight copy. */
    emx_check(epyr_dataset_copy_values(ds, k, (double *)mxGetComplexDoubles(a), 2 * n, &len),
              ds, ds);
#else
    {
        const double *v = NULL;
        double *re = mxGetPr(a), *im = mxGetPi(a);
        uint64_t j;
        emx_check(epyr_dataset_values(ds, k, &v, &len), ds, ds);
        for (j = 0; j < n; j++) {
            re[j] = v[2 * j];
            im[j] = v[2 * j + 1];
        }
    }
#endif
    return a;
}

/* ---------------------------------------------------------------- abscissae */

/* linspace(a, b, n) of the host (a 1 x n row), so that axes equal eprload's bit for bit in
 * MATLAB and in Octave, whose linspace algorithms differ. */
static mxArray *host_linspace(double a, double b, mwSize n)
{
    mxArray *in[3], *out = NULL;
    in[0] = mxCreateDoubleScalar(a);
    in[1] = mxCreateDoubleScalar(b);
    in[2] = mxCreateDoubleScalar((double)n);
    mexCallMATLAB(1, &out, 3, in, "linspace");
    mxDestroyArray(in[0]);
    mxDestroyArray(in[1]);
    mxDestroyArray(in[2]);
    return out;
}

/* first + scale * linspace(a, b, n), evaluated as MATLAB evaluates it (the product rounded
 * before the sum). */
mxArray *emx_linear_axis(double first, double scale, double a, double b, mwSize n)
{
    mxArray *row = host_linspace(a, b, n);
    double *v = mxGetPr(row);
    size_t m = mxGetNumberOfElements(row), i;
    for (i = 0; i < m; i++) {
        volatile double product = scale * v[i];
        v[i] = first + product;
    }
    return row;
}

/* Whether the dataset was read with the companion file of axis letter `letter` (.XGF ...). */
static int has_companion(epyr_dataset *ds, char letter)
{
    uint64_t count = 0, i, needed = 0;
    emx_check(epyr_dataset_source_count(ds, &count), ds, ds);
    for (i = 2; i < count; i++) {
        char *name;
        size_t len;
        int match;
        emx_check(epyr_dataset_source(ds, i, NULL, 0, &needed), ds, ds);
        name = mxMalloc(needed);
        emx_check(epyr_dataset_source(ds, i, name, needed, &needed), ds, ds);
        len = strlen(name);
        match = len >= 4 && name[len - 4] == '.' && toupper((unsigned char)name[len - 3]) == letter &&
                toupper((unsigned char)name[len - 2]) == 'G' &&
                toupper((unsigned char)name[len - 1]) == 'F';
        mxFree(name);
        if (match)
            return 1;
    }
    return 0;
}

/* eprload's x of a BES3T dataset. */
static mxArray *bes3t_abscissa(epyr_dataset *ds, const emx_params *p, const uint64_t dims[3])
{
    static const char LETTERS[3] = {'X', 'Y', 'Z'};
    mxArray *axes[3] = {NULL, NULL, NULL}, *x;
    int a, highest = -1;
    for (a = 2; a >= 0; a--) {
        char key[8];
        const char *type;
        uint64_t n = dims[a];
        if (n <= 1)
            continue;
        if (highest < 0)
            highest = a;
        key[0] = LETTERS[a];
        strcpy(key + 1, "TYP");
        type = emx_params_get(p, key);
        if (type && strcmp(type, "IGD") == 0 && has_companion(ds, LETTERS[a])) {
            uint64_t len = 0;
            axes[a] = mxCreateUninitNumericMatrix(n, 1, mxDOUBLE_CLASS, mxREAL);
            emx_check(epyr_dataset_copy_axis(ds, (uint32_t)a, mxGetPr(axes[a]), n, &len), ds,
                      ds);
        } else if (type && (strcmp(type, "IDX") == 0 || strcmp(type, "IGD") == 0)) {
            double first = 0, width = 0;
            key[1] = 'M', key[2] = 'I', key[3] = 'N';
            param_number(p, key, &first);
            key[1] = 'W', key[2] = 'I', key[3] = 'D';
            param_number(p, key, &width);
            if (width == 0) {
                first = 1;
                width = (double)(n - 1);
            }
            axes[a] = emx_linear_axis(first, 1.0, 0.0, width, (mwSize)n);
        }
    }
    if (highest < 0)
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    if (highest == 0) {
        x = axes[0] ? axes[0] : mxCreateDoubleMatrix(0, 0, mxREAL);
        mxSetM(x, mxGetNumberOfElements(x)); /* x(:) */
        mxSetN(x, mxGetNumberOfElements(x) ? 1 : 0);
        return x;
    }
    x = mxCreateCellMatrix(1, (mwSize)highest + 1);
    for (a = 0; a <= highest; a++)
        mxSetCell(x, a, axes[a] ? axes[a] : mxCreateDoubleMatrix(0, 0, mxREAL));
    return x;
}

/* eprload's x of an ESP/WinEPR dataset: its choice of range keys, in its order. */
static mxArray *esp_abscissa(const emx_params *p, uint64_t nx)
{
    double hcf, hsw, gst, gsi, xxlb, xxwi, xylb, xywi, jss = 0, v;
    int has_hcf = param_number(p, "HCF", &hcf), has_hsw = param_number(p, "HSW", &hsw);
    int has_gst = param_number(p, "GST", &gst), has_gsi = param_number(p, "GSI", &gsi);
    int has_xxlb = param_number(p, "XXLB", &xxlb), has_xxwi = param_number(p, "XXWI", &xxwi);
    int has_xylb = param_number(p, "XYLB", &xylb), has_xywi = param_number(p, "XYWI", &xywi);
    const char *jex = emx_params_get(p, "JEX");
    int take = 0, two_d;
    uint64_t ny = 1;
    if (nx <= 1)
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    /* eprload's y count at this point: SSY for 2-D data, REY in any case. */
    param_number(p, "JSS", &jss);
    two_d = jss >= 0 && jss < 9.2e18 && (((uint64_t)jss >> 12) & 1);
    if (two_d && param_number(p, "SSY", &v))
        ny = (uint64_t)v;
    if (param_number(p, "REY", &v))
        ny = (uint64_t)v;
    if (jex && strcmp(jex, "Time-Sweep") == 0) {
        double ct = 1;
        uint64_t i;
        mxArray *x = mxCreateDoubleMatrix(1, (mwSize)nx, mxREAL);
        double *out = mxGetPr(x);
        param_number(p, "RCT", &ct);
        for (i = 0; i < nx; i++) {
            volatile double product = (double)i * ct;
            out[i] = product / 1e3;
        }
        return x;
    }
    if (jex && strcmp(jex, "ENDOR") == 0)
        take = 1;
    else if (has_xxlb && has_xxwi && has_xylb && has_xywi)
        take = 3;
    else if (has_hcf && has_hsw && has_gst && has_gsi)
        take = 1;
    else if (has_hcf && has_hsw)
        take = 2;
    else if (has_gst && has_gsi)
        take = 1;
    else if (!has_gsi && !has_hsw) {
        hsw = 50;
        has_hsw = 1;
        take = 2;
    } else if (!has_hcf)
        take = 3;
    if (take == 1 && has_gst && has_gsi)
        return emx_linear_axis(gst, gsi, 0.0, 1.0, (mwSize)nx);
    if (take == 2 && has_hcf)
        return emx_linear_axis(hcf, hsw / 2, -1.0, 1.0, (mwSize)nx);
    if (take == 3 && has_xxlb && has_xxwi) {
        mxArray *x;
        if (!(has_xylb && has_xywi))
            return emx_linear_axis(xxlb, 1.0, 0.0, xxwi, (mwSize)nx);
        x = mxCreateCellMatrix(1, 2);
        mxSetCell(x, 0, emx_linear_axis(xxlb, 1.0, 0.0, xxwi, (mwSize)nx));
        mxSetCell(x, 1, emx_linear_axis(xylb, 1.0, 0.0, xywi, (mwSize)ny));
        return x;
    }
    return mxCreateDoubleMatrix(0, 0, mxREAL);
}

/* ---------------------------------------------------------------- eprload */

/* eprload's file name: the path as given, with the data file's extension when it has none. */
static mxArray *file_name(epyr_dataset *ds, const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    uint64_t needed = 0;
    char *data, *joined;
    const char *ext;
    mxArray *out;
#ifdef _WIN32
    const char *back = strrchr(path, '\\');
    if (back && (!base || back > base))
        base = back;
#endif
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot && strlen(dot) >= 2)
        return mxCreateString(path);
    emx_check(epyr_dataset_source(ds, 1, NULL, 0, &needed), ds, ds);
    data = mxMalloc(needed);
    emx_check(epyr_dataset_source(ds, 1, data, needed, &needed), ds, ds);
    ext = strrchr(data, '.');
    ext = ext ? ext : "";
    joined = mxMalloc(strlen(path) + strlen(ext) + 1);
    strcpy(joined, path);
    strcat(joined, ext);
    out = mxCreateString(joined);
    mxFree(joined);
    mxFree(data);
    return out;
}

/* Whether eprload makes the vector of a qese .eco file a row: its reader reshapes the values
 * to [nx ny] of the file's first line, so a row where nx (epyr's parameter `nx`) is 1. */
static int eco_row(epyr_dataset *ds)
{
    double nx = 0;
    emx_check(epyr_dataset_param_double(ds, "nx", &nx), ds, ds);
    return nx == 1;
}

/* The shape of eprload's y (of each component) of `ds` (dims `dims`): [nx ny nz], a 1-D
 * dataset a row where the format's reader makes it one. Returns the number of dims. */
static mwSize y_shape(epyr_dataset *ds, const emx_format *f, const uint64_t dims[3],
                      mwSize shape[3])
{
    int vector = dims[1] == 1 && dims[2] == 1;
    if (vector && (f->y == EMX_Y_ROW_1D || (f->y == EMX_Y_ECO && eco_row(ds)))) {
        shape[0] = 1;
        shape[1] = (mwSize)dims[0];
        return 2;
    }
    shape[0] = (mwSize)dims[0];
    shape[1] = (mwSize)dims[1];
    shape[2] = (mwSize)dims[2];
    return dims[2] > 1 ? 3 : 2;
}

/* Asks Linux for transparent huge pages in the untouched array `data` of `bytes` (from 8 MB):
 * filling a fresh array then takes one page fault per 2 MB instead of per 4 KB, which is half
 * the time of loading 256 MB. Only advice: where the system says no, nothing changes. */
static void prefer_huge_pages(void *data, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t first = ((uintptr_t)data + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)data + bytes) & ~(huge - 1);
    if (bytes >= ((size_t)8 << 20) && end > first)
        (void)madvise((void *)first, end - first, MADV_HUGEPAGE);
#else
    (void)data, (void)bytes;
#endif
}

/* Test builds only (matlab/Makefile, target hooks): calls the test's emx_test_hook(point),
 * which can change the files at that point. Nothing in other builds. */
static void emx_test_hook(const char *point)
{
#ifdef EMX_TEST_HOOKS
    mxArray *arg = mxCreateString(point);
    mexCallMATLAB(0, NULL, 1, &arg, "emx_test_hook");
    mxDestroyArray(arg);
#else
    (void)point;
#endif
}

mxArray *emx_direct_values(epyr_dataset *ds, epyr_loader *l)
{
    uint64_t dims[3], n, len = 0;
    uint32_t components = 0;
    int32_t is_complex = 0, code;
    mwSize shape[3], ndim;
    mxArray *y;
    double *data;
    emx_check(epyr_dataset_components(ds, &components), ds, ds);
    if (components != 1)
        return NULL;
    emx_check(epyr_dataset_is_complex(ds, 0, &is_complex), ds, ds);
    if (is_complex)
        return NULL;
    emx_check(epyr_dataset_dims(ds, &dims[0], &dims[1], &dims[2]), ds, ds);
    n = dims[0] * dims[1] * dims[2];
    ndim = y_shape(ds, emx_format_of(ds), dims, shape);
    y = mxCreateUninitNumericArray(ndim, shape, mxDOUBLE_CLASS, mxREAL);
#if MX_HAS_INTERLEAVED_COMPLEX
    data = mxGetDoubles(y);
#else
    data = mxGetPr(y);
#endif
    prefer_huge_pages(data, (size_t)n * sizeof *data);
    emx_test_hook("described");
    code = epyr_loader_load_described_into(l, ds, data, n, &len);
    if (code == EPYR_ERR_FILE_CHANGED) {
        /* The files changed since `ds` was described: its values are not to be had any
         * more; the caller loads the file whole instead, all of it from one version. */
        mxDestroyArray(y);
        return NULL;
    }
    if (code != EPYR_OK) {
        mxDestroyArray(y);
        emx_check(code, l, ds);
    }
    return y;
}

mxArray *emx_eprload_pars(epyr_dataset *ds, const emx_format *f, const uint64_t dims[3],
                          const mxArray *y, mxArray **x, int want_pars)
{
    emx_params own, params;
    mxArray *pars = NULL;
    int esp = strcmp(f->id, "bruker-esp") == 0;
    if (f->pars != EMX_PARS_BRUKER) {
        if (x)
            *x = emx_format_abscissa(ds, f, dims);
        if (want_pars && f->pars == EMX_PARS_NONE)
            return mxCreateDoubleMatrix(0, 0, mxREAL); /* eprload's [] (no parameters read) */
        if (want_pars) {
            emx_test_hook("pars");
            emx_params_read(ds, &own);
            pars = emx_format_pars(ds, f, &own, y);
            emx_params_free(&own);
        }
        return pars;
    }
    emx_params_read(ds, &own);
    emx_eprload_params(ds, &own, &params);
    if (x)
        *x = esp ? esp_abscissa(&params, dims[0]) : bes3t_abscissa(ds, &params, dims);
    if (want_pars)
        pars = emx_pars_struct(&params, esp, dims[0]);
    emx_params_free(&params);
    emx_params_free(&own);
    return pars;
}

void emx_eprload_outputs(epyr_dataset *ds, const char *path, mxArray *y, int nlhs,
                         mxArray *plhs[])
{
    uint64_t dims[3];
    uint32_t components = 0, k;
    mwSize shape[3];
    mwSize ndim;
    mxArray *pars;
    const emx_format *f = emx_format_of(ds);
    int made_y = !y;
    emx_check(epyr_dataset_dims(ds, &dims[0], &dims[1], &dims[2]), ds, ds);
    if (nlhs >= 3 && made_y && emx_outputs_kept(ds, f, plhs)) {
        if (nlhs >= 4)
            plhs[3] = mxCreateString(path);
        epyr_dataset_free(ds);
        return;
    }
    if (!y) {
        emx_check(epyr_dataset_components(ds, &components), ds, ds);
        ndim = y_shape(ds, f, dims, shape);
        if (components == 1) {
            y = emx_component_array(ds, 0, ndim, shape);
        } else {
            y = mxCreateCellMatrix(1, components);
            for (k = 0; k < components; k++)
                mxSetCell(y, k, emx_component_array(ds, k, ndim, shape));
        }
    }
    if (nlhs <= 1) {
        plhs[0] = y;
        epyr_dataset_free(ds);
        return;
    }
    if (nlhs >= 3 && f->pars == EMX_PARS_NESTED)
        y = emx_host_value(y); /* shared with pars.Data */
    plhs[1] = y;
    pars = emx_eprload_pars(ds, f, dims, y, &plhs[0], nlhs >= 3);
    if (nlhs >= 3)
        plhs[2] = pars;
    if (nlhs >= 3 && made_y)
        emx_outputs_keep(ds, f, plhs);
    if (nlhs >= 4)
        plhs[3] = f->pars == EMX_PARS_BRUKER ? file_name(ds, path) : mxCreateString(path);
    epyr_dataset_free(ds);
}
