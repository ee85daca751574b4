/* eprload's outputs for every format epyr reads, keyed by the format id the C ABI reports
 * (epyr_dataset_format): one row per format says how eprload shapes x and y and how it builds
 * pars. The abscissae of the non-Bruker formats come from epyr's axis rules
 * (epyr_dataset_axis_rule: the host's linspace where the rule is one, else epyr's values).
 * Facts from EasySpin's eprload (MIT, private/eprload_*.m); the code is epyr's own. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epyr_mex.h"

/* One row per format id of epyr_formats_json. */
static const emx_format FORMATS[] = {
    {"bruker-bes3t", EMX_X_BRUKER, EMX_X_BRUKER, EMX_Y_ARRAY, EMX_PARS_BRUKER},
    {"bruker-esp", EMX_X_BRUKER, EMX_X_BRUKER, EMX_Y_ROW_1D, EMX_PARS_BRUKER},
    {"magnettech-xml", EMX_X_COLUMN, EMX_X_COLUMN, EMX_Y_ARRAY, EMX_PARS_MAGNETTECH},
    {"magnettech-spe", EMX_X_COLUMN, EMX_X_COLUMN, EMX_Y_ARRAY, EMX_PARS_NUMBERS},
    {"specman", EMX_X_COLUMN, EMX_X_COLUMN, EMX_Y_ARRAY, EMX_PARS_SECTIONS},
    {"jeol", EMX_X_ROW, EMX_X_ROW, EMX_Y_ARRAY, EMX_PARS_NESTED},
    {"ciqtek", EMX_X_COLUMN, EMX_X_ROW, EMX_Y_ARRAY, EMX_PARS_JSON},
    {"adani-json", EMX_X_ROW, EMX_X_ROW, EMX_Y_ARRAY, EMX_PARS_JSON},
    {"adani-dat", EMX_X_COLUMN, EMX_X_COLUMN, EMX_Y_ARRAY, EMX_PARS_NONE},
    {"activespectrum", EMX_X_COLUMN, EMX_X_COLUMN, EMX_Y_ARRAY, EMX_PARS_NONE},
    {"qese-eco", EMX_X_NONE, EMX_X_NONE, EMX_Y_ECO, EMX_PARS_NONE},
    {"eth-d00", EMX_X_NONE, EMX_X_NONE, EMX_Y_ARRAY, EMX_PARS_NONE},
    {"magres-plt", EMX_X_NONE, EMX_X_NONE, EMX_Y_ARRAY, EMX_PARS_NONE},
    {"varian-eth", EMX_X_NONE, EMX_X_NONE, EMX_Y_ROW_1D, EMX_PARS_NONE},
};

const emx_format *emx_format_of(epyr_dataset *ds)
{
    char id[64];
    uint64_t needed = 0;
    size_t i;
    int32_t code = epyr_dataset_format(ds, id, sizeof id, &needed);
    if (code == EPYR_ERR_BUFFER_TOO_SMALL)
        strcpy(id, "(a long id)");
    else
        emx_check(code, ds, ds);
    for (i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
        if (strcmp(FORMATS[i].id, id) == 0)
            return &FORMATS[i];
    epyr_dataset_free(ds);
    emx_fail_with(EPYR_ERR_FORMAT, "epyr.eprload: format '%s' has no eprload outputs in this gateway",
                  id);
    return NULL;
}

/* ---------------------------------------------------------------- abscissae */

/* Axis `a` (n points) as epyr's rule builds it, a row; NULL where the dataset has none. */
static mxArray *rule_axis(epyr_dataset *ds, uint32_t a, uint64_t n)
{
    int32_t kind = 0;
    double rule[4];
    uint64_t len = 0;
    mxArray *v;
    emx_check(epyr_dataset_axis_rule(ds, a, &kind, rule), ds, ds);
    if (kind == EPYR_AXIS_RULE_LINSPACE)
        return emx_linear_axis(rule[0], rule[1], rule[2], rule[3], (mwSize)n);
    emx_check(epyr_dataset_copy_axis(ds, a, NULL, 0, &len), ds, ds);
    if (len != n)
        return NULL;
    v = mxCreateUninitNumericMatrix(1, (mwSize)n, mxDOUBLE_CLASS, mxREAL);
    emx_check(epyr_dataset_copy_axis(ds, a, mxGetPr(v), n, &len), ds, ds);
    return v;
}

/* Axis `a` shaped `orient` (an empty 0x0 where there is none). */
static mxArray *shaped_axis(epyr_dataset *ds, uint32_t a, uint64_t n, emx_x orient)
{
    mxArray *v = orient == EMX_X_NONE ? NULL : rule_axis(ds, a, n);
    if (!v)
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    if (orient == EMX_X_COLUMN) {
        mxSetM(v, (mwSize)n);
        mxSetN(v, 1);
    }
    return v;
}

mxArray *emx_format_abscissa(epyr_dataset *ds, const emx_format *f, const uint64_t dims[3])
{
    mxArray *x;
    if (f->x1 == EMX_X_NONE)
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    if (dims[1] <= 1)
        return shaped_axis(ds, 0, dims[0], f->x1);
    x = mxCreateCellMatrix(1, 2);
    mxSetCell(x, 0, shaped_axis(ds, 0, dims[0], f->x1));
    mxSetCell(x, 1, shaped_axis(ds, 1, dims[1], f->x2));
    return x;
}

/* ---------------------------------------------------------------- pars */

/* A struct of `n` fields in order of first appearance (a repeated name: the last value). */
static mxArray *ordered_struct(size_t n, char **names, mxArray **values)
{
    size_t i, j, nfields = 0;
    const char **fields = mxMalloc((n ? n : 1) * sizeof *fields);
    mxArray *s, **chosen = mxMalloc((n ? n : 1) * sizeof *chosen);
    for (i = 0; i < n; i++) {
        for (j = 0; j < nfields; j++)
            if (fields[j][0] == names[i][0] && strcmp(fields[j], names[i]) == 0)
                break;
        if (j == nfields)
            fields[nfields++] = names[i];
        else
            mxDestroyArray(chosen[j]);
        chosen[j] = values[i];
    }
    s = mxCreateStructMatrix(1, 1, (int)nfields, fields);
    for (j = 0; j < nfields; j++)
        mxSetFieldByNumber(s, 0, (int)j, chosen[j]);
    mxFree((void *)fields);
    mxFree(chosen);
    return s;
}

/* A whole-text number (as str2double reads one) into *v; 0 if the text is not one. */
static int whole_number(const char *text, double *v)
{
    char *end;
    if (!*text || isalpha((unsigned char)*text) || isspace((unsigned char)*text))
        return 0;
    *v = strtod(text, &end);
    return end != text && *end == '\0';
}

/* A number where the whole text is one, else the text; an empty text an empty 0x0 double
 * (`empty_double`) or a 1x0 char. */
static mxArray *number_or_text(const char *text, int empty_double)
{
    double v;
    if (!*text && empty_double)
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    if (whole_number(text, &v))
        return mxCreateDoubleScalar(v);
    return emx_latin1_string(text);
}

/* Merges the runs of fields named `base(1)`, `base(2)`, ... (structs of the same fields) into
 * one field `base`, a 1 x K struct array, as eprload's `s.base(k).field = ...` makes it, in
 * place. Returns the new number of fields. */
static size_t struct_arrays(size_t n, char **names, mxArray **made)
{
    size_t i = 0, out = 0, k, base;
    while (i < n) {
        char *open = strchr(names[i], '(');
        int merge = open && mxIsStruct(made[i]);
        size_t run = 1;
        base = open ? (size_t)(open - names[i]) : 0;
        while (merge && i + run < n &&
               strncmp(names[i + run], names[i], base + 1) == 0 && mxIsStruct(made[i + run]) &&
               mxGetNumberOfFields(made[i + run]) == mxGetNumberOfFields(made[i]))
            run++;
        if (merge) {
            int f, nf = mxGetNumberOfFields(made[i]);
            const char **fields = mxMalloc((nf ? nf : 1) * sizeof *fields);
            mxArray *array;
            for (f = 0; f < nf; f++)
                fields[f] = mxGetFieldNameByNumber(made[i], f);
            array = mxCreateStructMatrix(1, (mwSize)run, nf, fields);
            mxFree((void *)fields);
            for (k = 0; k < run; k++) {
                for (f = 0; f < nf; f++) {
                    mxSetFieldByNumber(array, (mwIndex)k, f, mxGetFieldByNumber(made[i + k], 0, f));
                    mxSetFieldByNumber(made[i + k], 0, f, NULL);
                }
                mxDestroyArray(made[i + k]);
            }
            names[i][base] = '\0';
            made[i] = array;
        }
        names[out] = names[i];
        made[out++] = made[i];
        i += run;
    }
    return out;
}

/* Nested structs from dotted keys (`Header.xOffset`) and their values `leaves` (taken over):
 * fields in order of first appearance. */
static mxArray *nested_struct(size_t n, const char **keys, mxArray **leaves)
{
    char **names = mxMalloc((n ? n : 1) * sizeof *names), *name_at, *name_buf;
    mxArray **made = mxMalloc((n ? n : 1) * sizeof *made);
    const char **sub_keys = mxMalloc((n ? n : 1) * sizeof *sub_keys);
    mxArray **sub_leaves = mxMalloc((n ? n : 1) * sizeof *sub_leaves);
    char *used = mxCalloc(n ? n : 1, 1);
    size_t i, j, count = 0, name_bytes = 1;
    mxArray *s;
    for (i = 0; i < n; i++) /* room for every name (each at most its key) */
        name_bytes += strlen(keys[i]) + 1;
    name_at = name_buf = mxMalloc(name_bytes);
    for (i = 0; i < n; i++) {
        size_t len = strcspn(keys[i], "."), m = 0;
        mxArray *leaf = NULL;
        if (used[i])
            continue;
        for (j = i; j < n; j++) {
            if (used[j] || keys[j][0] != keys[i][0] || strncmp(keys[j], keys[i], len) != 0 ||
                (keys[j][len] != '.' && keys[j][len] != '\0'))
                continue;
            used[j] = 1;
            if (keys[j][len] == '\0') {
                if (leaf)
                    mxDestroyArray(leaf);
                leaf = leaves[j];
            } else {
                sub_keys[m] = keys[j] + len + 1;
                sub_leaves[m++] = leaves[j];
            }
        }
        names[count] = name_at;
        memcpy(name_at, keys[i], len);
        name_at[len] = '\0';
        name_at += len + 1;
        if (m) {
            if (leaf)
                mxDestroyArray(leaf);
            leaf = nested_struct(m, sub_keys, sub_leaves);
        }
        made[count++] = leaf;
    }
    count = struct_arrays(count, names, made);
    s = ordered_struct(count, names, made);
    mxFree(name_buf), mxFree(names), mxFree(made);
    mxFree((void *)sub_keys), mxFree(sub_leaves), mxFree(used);
    return s;
}

/* A field of `n` raw characters (fread(h, n, '*char')) as a column: epyr's text up to the
 * first NUL, then NULs. */
static mxArray *raw_chars(const char *text, size_t n)
{
    mxArray *a = emx_latin1_string(text);
    size_t have = mxGetNumberOfElements(a), i;
    mxArray *col = mxCreateCharArray(2, (mwSize[]){n, 1});
    mxChar *to = mxGetChars(col), *from = mxGetChars(a);
    for (i = 0; i < n; i++)
        to[i] = i < have ? from[i] : 0;
    mxDestroyArray(a);
    return col;
}

/* What each parameter was read from (epyr_dataset_param_kinds_packed): `count` strings packed
 * one after the other, each with its NUL, *bytes in all; mxFree the result. */
static char *param_kinds(epyr_dataset *ds, uint64_t *bytes)
{
    char *kinds;
    *bytes = 0;
    emx_check(epyr_dataset_param_kinds_packed(ds, NULL, 0, bytes), ds, ds);
    kinds = mxMalloc(*bytes ? *bytes : 1);
    emx_check(epyr_dataset_param_kinds_packed(ds, kinds, *bytes, bytes), ds, ds);
    return kinds;
}

/* JEOL's header as eprload_jeol builds it: the header blocks as nested structs (numbers
 * where epyr read binary numbers, `kinds`; texts, '' where empty) and an empty `Calculator`
 * (the block of the process types epyr reads holds nothing eprload keeps). */
static mxArray *jeol_header(const emx_params *p, const char *kinds)
{
    uint64_t i;
    const char *k;
    size_t n = (size_t)p->count;
    const char **keys = mxMalloc((n + 1) * sizeof *keys);
    mxArray **leaves = mxMalloc((n + 1) * sizeof *leaves), *s;
    for (i = 0, k = kinds; i < n; i++, k += strlen(k) + 1) {
        const char *v = p->values[i];
        keys[i] = p->keys[i];
        if (strcmp(k, "number") == 0)
            leaves[i] = mxCreateDoubleScalar(strtod(v, NULL));
        else if (strncmp(k, "chars ", 6) == 0)
            leaves[i] = raw_chars(v, strtoul(k + 6, NULL, 10));
        else
            leaves[i] = *v ? emx_latin1_string(v) : mxCreateString("");
    }
    keys[n] = "Calculator";
    leaves[n++] = mxCreateStructMatrix(1, 1, 0, NULL);
    s = nested_struct(n, keys, leaves);
    mxFree((void *)keys), mxFree(leaves);
    return s;
}

/* JEOL's `pars` (the header, `head`) with eprload's `Data`: the channels of y (a column;
 * CH1_DATA, and CH2_DATA for complex data) as the host's real(y) and imag(y) (Octave: the real
 * part of real data is y itself, shared), set by the host's subsasgn (the last field, as
 * eprload sets it). */
static mxArray *with_jeol_data(mxArray *head, const emx_params *p, const mxArray *y)
{
    static const char *CHANNELS[] = {"CH1_DATA", "CH2_DATA"};
    static const char *INDEX[] = {"type", "subs"};
    static const char *PART[] = {"real", "imag"};
    const char *kind = emx_params_get(p, "Header.dataKind");
    mxArray *args[3], *out = NULL, *part;
    int k;
    args[0] = head;
    args[1] = mxCreateStructMatrix(1, 1, 2, INDEX);
    mxSetFieldByNumber(args[1], 0, 0, mxCreateString("."));
    mxSetFieldByNumber(args[1], 0, 1, mxCreateString("Data"));
    args[2] = mxCreateStructMatrix(1, 1, kind && strcmp(kind, "complex") == 0 ? 2 : 1, CHANNELS);
    for (k = 0; k < mxGetNumberOfFields(args[2]); k++) {
        mexCallMATLAB(1, &part, 1, (mxArray **)&y, PART[k]);
        mxSetFieldByNumber(args[2], 0, k, part);
    }
    mexCallMATLAB(1, &out, 3, args, "subsasgn");
    mxDestroyArray(args[1]), mxDestroyArray(args[2]);
    return out;
}

/* SpecMan's .exp as eprload's SpecMandsc names it: [text] and [program] lines `textN`/`prgN`,
 * every other key `section_key` (dashes out of the section; '/', '\' and blanks of the key
 * made '_'), values as written after '='; keys without a section (epyr's `xlabel`, `ylabel`,
 * the labels eprload adds) as they are. */
static mxArray *sections_struct(const emx_params *p)
{
    size_t n = 0, i;
    char **names = mxMalloc((p->count ? p->count : 1) * sizeof *names);
    mxArray **values = mxMalloc((p->count ? p->count : 1) * sizeof *values), *s;
    for (i = 0; i < p->count; i++) {
        const char *key = p->keys[i], *dot = strchr(key, '.');
        char *name = mxMalloc(strlen(key) + 8), *o = name;
        const char *c;
        if (!dot)
            strcpy(name, key);
        else if ((size_t)(dot - key) == 4 && strncmp(key, "text", 4) == 0)
            sprintf(name, "text%s", dot + 1);
        else if ((size_t)(dot - key) == 7 && strncmp(key, "program", 7) == 0)
            sprintf(name, "prg%s", dot + 1);
        else {
            for (c = key; c < dot; c++)
                if (*c != '-')
                    *o++ = *c;
            *o++ = '_';
            for (c = dot + 1; *c; c++)
                *o++ = (*c == '/' || *c == '\\' || *c == ' ') ? '_' : *c;
            *o = '\0';
        }
        names[n] = name;
        values[n++] = emx_latin1_string(p->values[i]);
    }
    s = ordered_struct(n, names, values);
    for (i = 0; i < n; i++)
        mxFree(names[i]);
    mxFree(names), mxFree(values);
    return s;
}

/* eprload's `Curves` of a Magnettech XML file: for each curve with data (epyr_dataset_array,
 * `Curves.<name>`), `data` (a column) and `x` (`XOffset + (0:n-1) * XSlope`, a row). */
static mxArray *curves_struct(epyr_dataset *ds, const emx_params *p)
{
    static const char *FIELDS[] = {"data", "x"};
    uint64_t count = 0, i, len = 0, needed = 0, j;
    char **names, *key;
    mxArray **curves, *s;
    emx_check(epyr_dataset_array_count(ds, &count), ds, ds);
    names = mxMalloc((count ? count : 1) * sizeof *names);
    curves = mxMalloc((count ? count : 1) * sizeof *curves);
    for (i = 0; i < count; i++) {
        const double *v = NULL;
        const char *offset, *slope;
        double x0, dx, *x;
        emx_check(epyr_dataset_array_name(ds, i, NULL, 0, &needed), ds, ds);
        key = mxMalloc(needed + 16);
        emx_check(epyr_dataset_array_name(ds, i, key, needed, &needed), ds, ds);
        emx_check(epyr_dataset_array(ds, i, &v, &len), ds, ds);
        strcat(key, ".XOffset");
        offset = emx_params_get(p, key);
        strcpy(key + needed - 1, ".XSlope");
        slope = emx_params_get(p, key);
        key[needed - 1] = '\0';
        x0 = offset ? strtod(offset, NULL) : 0;
        dx = slope ? strtod(slope, NULL) : 0;
        curves[i] = mxCreateStructMatrix(1, 1, 2, FIELDS);
        mxSetFieldByNumber(curves[i], 0, 0, mxCreateDoubleMatrix((mwSize)len, 1, mxREAL));
        memcpy(mxGetPr(mxGetFieldByNumber(curves[i], 0, 0)), v, len * sizeof *v);
        mxSetFieldByNumber(curves[i], 0, 1, mxCreateDoubleMatrix(1, (mwSize)len, mxREAL));
        x = mxGetPr(mxGetFieldByNumber(curves[i], 0, 1));
        for (j = 0; j < len; j++) {
            volatile double step = (double)j * dx;
            x[j] = x0 + step;
        }
        names[i] = key + strlen("Curves.");
    }
    s = ordered_struct((size_t)count, names, curves);
    for (i = 0; i < count; i++)
        mxFree(names[i] - strlen("Curves."));
    mxFree(names), mxFree(curves);
    return s;
}

/* Magnettech XML as eprload builds it: the Measurement attributes and the Recipe's Param
 * values at the top level, converted as parsefieldparams converts them, then `Curves`. */
static mxArray *magnettech_struct(epyr_dataset *ds, const emx_params *p)
{
    static const char RECIPE[] = "Recipe.Param.";
    emx_params top;
    uint64_t i;
    mxArray *s;
    top.count = 0;
    top.packed = NULL;
    top.bytes = 0;
    top.keys = mxMalloc((p->count ? p->count : 1) * sizeof *top.keys);
    top.values = mxMalloc((p->count ? p->count : 1) * sizeof *top.values);
    for (i = 0; i < p->count; i++) {
        const char *key = p->keys[i];
        if (strncmp(key, RECIPE, sizeof RECIPE - 1) == 0)
            key += sizeof RECIPE - 1;
        if (strchr(key, '.'))
            continue;
        top.keys[top.count] = key;
        top.values[top.count++] = p->values[i];
    }
    s = emx_pars_struct(&top, 0, 0);
    mxFree((void *)top.keys), mxFree((void *)top.values);
    mxSetFieldByNumber(s, 0, mxAddField(s, "Curves"), curves_struct(ds, p));
    return s;
}

/* A growing text (mxRealloc'd). */
typedef struct {
    char *s;
    size_t len, cap;
} text_buf;

static void put(text_buf *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = 2 * (t->len + n + 1);
        t->s = mxRealloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* `n` bytes of `s` as a JSON string (quotes, backslashes and control characters escaped). */
static void put_json_string(text_buf *t, const char *s, size_t n)
{
    size_t i, from = 0;
    char esc[8];
    put(t, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c != '"' && c != '\\' && c >= 0x20)
            continue;
        put(t, s + from, i - from);
        if (c == '"' || c == '\\')
            sprintf(esc, "\\%c", c);
        else
            sprintf(esc, "\\u%04x", c);
        put(t, esc, strlen(esc));
        from = i + 1;
    }
    put(t, s + from, n - from);
    put(t, "\"", 1);
}

/* The member `name` (n bytes) opened: a comma unless it is the first of its object. */
static void put_member(text_buf *t, const char *name, size_t n)
{
    if (t->s[t->len - 1] != '{')
        put(t, ",", 1);
    put_json_string(t, name, n);
    put(t, ":", 1);
}

/* The JSON document epyr read, rebuilt from its parameters (dotted member paths in file order
 * with their JSON kinds, epyr_dataset_param_kinds_packed): members of one object are
 * consecutive there, so each parameter closes the objects its path leaves and opens those it
 * enters. Strings are escaped again; numbers, booleans, null, arrays (JSON text) and empty
 * objects are written as epyr holds them. Member names holding a dot read as nested objects. */
static char *json_document(const emx_params *p, const char *kinds)
{
    const char *k;
    const char *open = ""; /* the dotted path of the innermost object open, "" the top */
    size_t open_len = 0;
    text_buf t = {mxMalloc(4096), 0, 4096};
    uint64_t i;
    put(&t, "{", 1);
    for (i = 0, k = kinds; i < p->count; i++, k += strlen(k) + 1) {
        const char *key = p->keys[i], *v = p->values[i], *last = strrchr(key, '.');
        size_t len = last ? (size_t)(last - key) : 0, j, common;
        for (j = 0; j < open_len && j < len && open[j] == key[j]; j++)
            ;
        if (j == open_len && j == len)
            common = j;
        else if ((j == open_len && key[j] == '.') || (j == len && open[j] == '.'))
            common = j;
        else { /* back to the end of the last whole component both share */
            while (j > 0 && key[j - 1] != '.')
                j--;
            common = j ? j - 1 : 0;
        }
        for (j = common; j < open_len; j++) /* close the objects `key` leaves */
            if (open[j] == '.' || j == 0)
                put(&t, "}", 1);
        for (j = common ? common + 1 : 0; j < len; j += strcspn(key + j, ".") + 1) {
            put_member(&t, key + j, strcspn(key + j, "."));
            put(&t, "{", 1);
        }
        open = key, open_len = len;
        put_member(&t, last ? last + 1 : key, strlen(last ? last + 1 : key));
        if (strncmp(k, "json ", 5) == 0 && strcmp(k, "json string") != 0)
            put(&t, v, strlen(v));
        else
            put_json_string(&t, v, strlen(v));
    }
    for (i = 0; i < open_len; i++)
        if (open[i] == '.' || i == 0)
            put(&t, "}", 1);
    put(&t, "}", 1);
    return t.s;
}

/* jsondecode of the document epyr read, as eprload's JSON readers make pars (the host's own
 * decoder, so names and numbers are the host's). */
static mxArray *json_struct(const emx_params *p, const char *kinds)
{
    char *doc = json_document(p, kinds);
    mxArray *in = mxCreateString(doc), *out = NULL;
    mxFree(doc);
    mexCallMATLAB(1, &out, 1, &in, "jsondecode");
    mxDestroyArray(in);
    return out;
}

/* ---------------------------------------------------------------- outputs kept for reuse */

/* eprload's x, y and pars of a JEOL, JSON or Magnettech .spe file are a function of the
 * format, the parameters, their kinds and the values alone (each is one-dimensional or takes
 * its sizes from its parameters; SpecMan, whose sizes come from the .d01 header, is not kept): the outputs of the last MEMO_SLOTS loads are
 * kept with those (compared byte for byte, so a changed file, whose parameters or values
 * differ, never gets the outputs of another version) and handed out again as host copies
 * (Octave: the same values, shared until changed) to loads that were hits of epyr's cache
 * (emx_cache_hit); other loads make them anew. Keys over MEMO_MAX_KEY bytes are not kept. */
#define MEMO_SLOTS 8
#define MEMO_MAX_KEY ((uint64_t)4 << 20)
#define MEMO_PARTS 4
#define MEMO_OUTPUTS 3 /* x, y, pars */

typedef struct {
    char *key;                /* the key's parts one after the other (malloc'd) */
    uint64_t len[MEMO_PARTS]; /* the length of each */
    mxArray *out[MEMO_OUTPUTS]; /* persistent */
} memo_slot;

static memo_slot g_memo[MEMO_SLOTS];
static unsigned g_memo_next;

static void memo_slot_free(memo_slot *slot)
{
    int i;
    free(slot->key);
    slot->key = NULL;
    for (i = 0; i < MEMO_OUTPUTS; i++) {
        if (slot->out[i])
            mxDestroyArray(slot->out[i]);
        slot->out[i] = NULL;
    }
}

void emx_outputs_memo_clear(void)
{
    unsigned i;
    for (i = 0; i < MEMO_SLOTS; i++)
        memo_slot_free(&g_memo[i]);
}

/* A key: its parts (format id with its NUL, packed parameters, packed kinds, the values), and
 * what they are held in. */
typedef struct {
    const char *part[MEMO_PARTS];
    uint64_t len[MEMO_PARTS];
    emx_params params;
    char *kinds;
} memo_key;

/* Frees what memo_key_of took (nothing where it took nothing: `kinds` NULL). */
static void memo_key_free(memo_key *k)
{
    if (!k->kinds)
        return;
    emx_params_free(&k->params);
    mxFree(k->kinds);
    k->kinds = NULL;
}

/* The key of `ds` (format `f`); 0 where its outputs are not kept (other formats, more than
 * one component, a key over MEMO_MAX_KEY). memo_key_free after it in any case. */
static int memo_key_of(epyr_dataset *ds, const emx_format *f, memo_key *k)
{
    const double *values = NULL;
    uint64_t nvalues = 0;
    uint32_t components = 0;
    k->kinds = NULL;
    if (f->pars != EMX_PARS_NESTED && f->pars != EMX_PARS_JSON && f->pars != EMX_PARS_NUMBERS)
        return 0;
    emx_check(epyr_dataset_components(ds, &components), ds, ds);
    if (components != 1)
        return 0;
    emx_check(epyr_dataset_values(ds, 0, &values, &nvalues), ds, ds);
    emx_params_read(ds, &k->params);
    k->kinds = param_kinds(ds, &k->len[2]);
    k->part[0] = f->id, k->len[0] = strlen(f->id) + 1;
    k->part[1] = k->params.packed, k->len[1] = k->params.bytes;
    k->part[2] = k->kinds;
    k->part[3] = (const char *)values, k->len[3] = nvalues * sizeof *values;
    if (k->len[1] + k->len[2] + k->len[3] <= MEMO_MAX_KEY)
        return 1;
    memo_key_free(k);
    return 0;
}

static memo_slot *memo_find(const memo_key *k)
{
    unsigned i, j;
    for (i = 0; i < MEMO_SLOTS; i++) {
        const char *at = g_memo[i].key;
        if (!at || memcmp(g_memo[i].len, k->len, sizeof k->len) != 0)
            continue;
        for (j = 0; j < MEMO_PARTS && memcmp(at, k->part[j], (size_t)k->len[j]) == 0; j++)
            at += k->len[j];
        if (j == MEMO_PARTS)
            return &g_memo[i];
    }
    return NULL;
}

/* A host copy of `v` (horzcat of one value is that value; Octave shares it, no conversion). */
static mxArray *host_copy(mxArray *v)
{
    mxArray *out = NULL;
    mexCallMATLAB(1, &out, 1, &v, "horzcat");
    return out;
}

mxArray *emx_host_value(mxArray *v)
{
    mxArray *out = host_copy(v);
    mxDestroyArray(v);
    return out;
}

int emx_outputs_kept(epyr_dataset *ds, const emx_format *f, mxArray *out[3])
{
    memo_key k;
    memo_slot *slot;
    int i;
    if (!emx_cache_hit || !memo_key_of(ds, f, &k))
        return 0;
    slot = memo_find(&k);
    memo_key_free(&k);
    if (!slot)
        return 0;
    for (i = 0; i < MEMO_OUTPUTS; i++)
        out[i] = host_copy(slot->out[i]);
    return 1;
}

void emx_outputs_keep(epyr_dataset *ds, const emx_format *f, mxArray *out[3])
{
    memo_key k;
    memo_slot *slot = &g_memo[g_memo_next];
    mxArray *kept[MEMO_OUTPUTS];
    char *key;
    int i;
    /* Not kept already (else: a load after the cache was cleared, the same outputs). */
    if (!memo_key_of(ds, f, &k) || memo_find(&k)) {
        memo_key_free(&k);
        return;
    }
    for (i = 0; i < MEMO_OUTPUTS; i++) { /* host values, converted once, here */
        out[i] = emx_host_value(out[i]);
        kept[i] = host_copy(out[i]);
    }
    key = malloc((size_t)(k.len[0] + k.len[1] + k.len[2] + k.len[3]));
    if (key) { /* the slot changes only once everything it takes is made */
        memo_slot_free(slot);
        slot->key = key;
        memcpy(slot->len, k.len, sizeof k.len);
        for (i = 0; i < MEMO_PARTS; i++) {
            memcpy(key, k.part[i], (size_t)k.len[i]);
            key += k.len[i];
        }
        for (i = 0; i < MEMO_OUTPUTS; i++) {
            slot->out[i] = kept[i];
            mexMakeArrayPersistent(kept[i]);
        }
        g_memo_next = (g_memo_next + 1) % MEMO_SLOTS;
    } else {
        for (i = 0; i < MEMO_OUTPUTS; i++)
            mxDestroyArray(kept[i]);
    }
    memo_key_free(&k);
}

/* JEOL's pars: the header, converted once, with eprload's Data from y. */
static mxArray *jeol_pars(const emx_params *p, const char *kinds, const mxArray *y)
{
    mxArray *pars = emx_host_value(jeol_header(p, kinds)), *with;
    if (!y)
        return pars;
    with = with_jeol_data(pars, p, y);
    mxDestroyArray(pars);
    return with;
}

/* The pars of a JEOL or JSON file, from the dataset epyr read. */
static mxArray *made_pars(epyr_dataset *ds, const emx_format *f, const emx_params *p,
                          const mxArray *y)
{
    uint64_t bytes = 0;
    char *kinds = param_kinds(ds, &bytes);
    mxArray *pars = f->pars == EMX_PARS_JSON ? json_struct(p, kinds) : jeol_pars(p, kinds, y);
    mxFree(kinds);
    return pars;
}

mxArray *emx_format_pars(epyr_dataset *ds, const emx_format *f, const emx_params *p,
                         const mxArray *y)
{
    uint64_t i;
    char **names;
    mxArray **values, *s;
    switch (f->pars) {
    case EMX_PARS_SECTIONS:
        return sections_struct(p);
    case EMX_PARS_NESTED:
    case EMX_PARS_JSON:
        return made_pars(ds, f, p, y);
    case EMX_PARS_MAGNETTECH:
        return magnettech_struct(ds, p);
    case EMX_PARS_NUMBERS:
        names = mxMalloc((p->count ? p->count : 1) * sizeof *names);
        values = mxMalloc((p->count ? p->count : 1) * sizeof *values);
        for (i = 0; i < p->count; i++) {
            names[i] = (char *)p->keys[i];
            values[i] = number_or_text(p->values[i], 1);
        }
        s = ordered_struct((size_t)p->count, names, values);
        mxFree(names), mxFree(values);
        return s;
    default:
        return mxCreateDoubleMatrix(0, 0, mxREAL);
    }
}
