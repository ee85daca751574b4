/*
 * epyr demo: load a Bruker EPR file, print what it holds, load it again from the cache, and
 * print cache statistics, memory use and performance information.
 *
 *   demo [file]     (default: examples-c/data/nitroxide_cw.DSC)
 *
 * Every call returns a status; on failure epyr_last_error_message() says what failed.
 */
#include "check.h"

#include <epyr.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_axes(const epyr_dataset *ds)
{
    static const char letters[3] = {'x', 'y', 'z'};
    uint32_t axis;
    for (axis = 0; axis < 3; axis++) {
        const double *values = NULL;
        uint64_t len = 0;
        char name[256], unit[64];
        uint64_t needed;
        if (failed(epyr_dataset_axis(ds, axis, &values, &len), "epyr_dataset_axis") || len == 0)
            continue;
        if (failed(epyr_dataset_axis_name(ds, axis, name, sizeof name, &needed), "axis name") ||
            failed(epyr_dataset_axis_unit(ds, axis, unit, sizeof unit, &needed), "axis unit"))
            continue;
        printf("axis %c: %s [%s], %llu points, %g .. %g\n", letters[axis], name, unit,
               (unsigned long long)len, values[0], values[len - 1]);
    }
}

/* Every parameter in one call: key, value and device block of each, NUL-terminated strings. */
static void print_params(const epyr_dataset *ds)
{
    uint64_t count = 0, needed = 0, i;
    char *packed, *at;
    if (failed(epyr_dataset_param_count(ds, &count), "epyr_dataset_param_count") ||
        failed(epyr_dataset_params_packed(ds, NULL, 0, &needed), "parameters size query"))
        return;
    printf("parameters: %llu\n", (unsigned long long)count);
    printf("parameters in one call: %llu bytes\n", (unsigned long long)needed);
    packed = malloc(needed ? needed : 1);
    if (!packed || failed(epyr_dataset_params_packed(ds, packed, needed, NULL), "parameters")) {
        free(packed);
        return;
    }
    at = packed;
    for (i = 0; i < count; i++) {
        const char *key = at, *value = key + strlen(key) + 1, *device = value + strlen(value) + 1;
        if (i < 12)
            printf("  %-8s = %s%s%s%s\n", key, value, *device ? "  (device " : "", device,
                   *device ? ")" : "");
        at = (char *)device + strlen(device) + 1;
    }
    free(packed);
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples-c/data/nitroxide_cw.DSC";
    epyr_loader *loader = NULL;
    epyr_dataset *ds = NULL, *again = NULL;
    int rc = 1;
    uint64_t nx, ny, nz, len, i, needed, entries, hits, misses, warnings;
    uint32_t components;
    int32_t is_complex;
    const double *values, *values_again;
    double frequency, total_mb, max_mb, usage, rss, vms, percent, library;
    char *info = NULL;

    printf("epyr %s (ABI %u, header ABI %d)\n", epyr_version(), (unsigned)epyr_abi_version(),
           EPYR_ABI_VERSION);
    if (epyr_abi_version() != EPYR_ABI_VERSION) {
        fprintf(stderr, "header and library ABI differ\n");
        return 1;
    }

    /* NULL cache: the global cache; 0 and -1: chunk size and caching from the configuration. */
    CHECK(epyr_loader_new(NULL, 0, -1, &loader));
    CHECK(epyr_loader_load(loader, path, NULL, &ds));
    printf("file: %s\n", path);

    CHECK(epyr_dataset_dims(ds, &nx, &ny, &nz));
    CHECK(epyr_dataset_components(ds, &components));
    CHECK(epyr_dataset_is_complex(ds, 0, &is_complex));
    printf("dims: %llu x %llu x %llu\n", (unsigned long long)nx, (unsigned long long)ny,
           (unsigned long long)nz);
    printf("components: %u, first is %s\n", (unsigned)components, is_complex ? "complex" : "real");
    print_axes(ds);
    print_params(ds);
    if (epyr_dataset_param_double(ds, "MWFQ", &frequency) == EPYR_OK)
        printf("MWFQ as a number: %.6g Hz\n", frequency);
    CHECK(epyr_dataset_warning_count(ds, &warnings));
    printf("warnings: %llu\n", (unsigned long long)warnings);

    CHECK(epyr_dataset_values(ds, 0, &values, &len));
    printf("values: %llu, first:", (unsigned long long)len);
    for (i = 0; i < len && i < 5; i++)
        printf(" %.17g", values[i]);
    printf("\n");

    /* The same file again: a cache hit hands out the same data, not a copy. */
    CHECK(epyr_loader_load(loader, path, "", &again));
    CHECK(epyr_dataset_values(again, 0, &values_again, &len));
    printf("second load: %s\n", values_again == values ? "cache hit, same data" : "new copy");

    CHECK(epyr_cache_stats(epyr_cache_global(), &entries, &total_mb, &max_mb, &usage, &hits,
                           &misses));
    printf("cache: entries=%llu hits=%llu misses=%llu size=%.3f MB of %.1f MB (%.2f%%)\n",
           (unsigned long long)entries, (unsigned long long)hits, (unsigned long long)misses,
           total_mb, max_mb, usage);

    CHECK(epyr_memory_info(&rss, &vms, &percent, &library));
    printf("memory: rss=%.1f MB vms=%.1f MB (%.2f%% of RAM), held by epyr=%.3f MB\n", rss, vms,
           percent, library);

    CHECK(epyr_performance_info_json(NULL, 0, &needed));
    info = malloc(needed);
    if (!info)
        goto done;
    CHECK(epyr_performance_info_json(info, needed, &needed));
    printf("performance info:\n%s\n", info);
    rc = 0;

done:
    free(info);
    epyr_dataset_free(again);
    epyr_dataset_free(ds);
    epyr_loader_free(loader);
    return rc;
}
