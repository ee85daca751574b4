/* Benchmark row 10: load + values of a dataset through the C ABI, timed inside the C program.
 * Usage: c_abi_load PATH RUNS THREADS. Prints "median-ns N". Cache off, no memory limit, the
 * same settings as the Rust side of the comparison. */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "epyr.h"

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s PATH RUNS THREADS\n", argv[0]);
        return 2;
    }
    int runs = atoi(argv[2]);
    long long times[64];
    epyr_loader *loader = NULL;
    const double *values = NULL;
    uint64_t len = 0;
    if (runs < 1 || runs > 64 || epyr_config_set("performance.memory_limit_mb", "0") ||
        epyr_config_set("performance.threads", argv[3]) ||
        epyr_loader_new(NULL, 10.0, 0, &loader)) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    for (int i = 0; i <= runs; i++) { /* run 0 warms up */
        epyr_dataset *ds = NULL;
        long long t = now_ns();
        if (epyr_loader_load(loader, argv[1], NULL, &ds) ||
            epyr_dataset_values(ds, 0, &values, &len)) {
            char msg[512];
            epyr_last_error_message(msg, sizeof msg);
            fprintf(stderr, "load failed: %s\n", msg);
            return 1;
        }
        if (i > 0) {
            times[i - 1] = now_ns() - t;
        }
        epyr_dataset_free(ds);
    }
    qsort(times, (size_t)runs, sizeof times[0], compare);
    printf("median-ns %lld %llu\n", times[runs / 2], (unsigned long long)len);
    epyr_loader_free(loader);
    return 0;
}
