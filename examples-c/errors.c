/*
 * Error paths: every call below is meant to fail (or to stop early) and must give the expected
 * status, leave its outputs alone and leak nothing; the tests run this program under valgrind.
 *
 *     errors FILE.DSC WORK_DIR
 *
 * FILE.DSC is a loadable 1-D dataset; WORK_DIR a writable folder. Prints one line per check
 * and "error paths: N checked, 0 wrong" at the end; exits 1 if any check gave another status.
 */
#include <epyr.h>
#include <stdio.h>
#include <string.h>

static int checked = 0;
static int wrong = 0;

/* Compares a status with the expected one and prints the message of this thread's error. */
static void expect(int32_t status, int32_t expected, const char *what)
{
    char message[512] = "";
    checked++;
    if (status != EPYR_OK)
        epyr_last_error_message(message, sizeof message);
    if (status != expected) {
        wrong++;
        printf("WRONG %s: %s, expected %s (%s)\n", what, epyr_error_name(status),
               epyr_error_name(expected), message);
    } else {
        printf("ok    %s: %s\n", what, epyr_error_name(status));
    }
}

/* A chunk callback that asks to stop after the first chunk. */
static int32_t stop_after_first(void *user, const double *values, uint64_t len, uint64_t first)
{
    (void)values;
    (void)len;
    (void)first;
    ++*(int *)user;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FILE.DSC WORK_DIR\n", argv[0]);
        return 2;
    }
    const char *good = argv[1];
    char missing[1024], bad_write[1024];
    snprintf(missing, sizeof missing, "%s/no_such_file.DSC", argv[2]);
    snprintf(bad_write, sizeof bad_write, "%s/no_such_folder/x", argv[2]);

    epyr_loader *loader = NULL;
    epyr_dataset *ds = NULL, *untouched = NULL;
    epyr_reader *reader = NULL;
    expect(epyr_loader_new(NULL, 1.0, 1, &loader), EPYR_OK, "loader");

    expect(epyr_loader_load(loader, missing, NULL, &untouched), EPYR_ERR_NOT_FOUND,
           "load a missing file");
    expect(epyr_loader_load(loader, good, "x", &untouched), EPYR_ERR_INVALID_ARG,
           "unknown scaling letter");
    expect(epyr_loader_load(loader, NULL, NULL, &untouched), EPYR_ERR_NULL_ARG, "NULL path");
    expect(untouched == NULL ? EPYR_OK : EPYR_ERR_PANIC, EPYR_OK, "failed loads wrote nothing");

    const char *paths[3] = {good, missing, good};
    epyr_dataset *many[3] = {NULL, NULL, NULL};
    int32_t statuses[3] = {-1, -1, -1};
    uint64_t failed = 0;
    expect(epyr_loader_load_many(loader, paths, 3, NULL, many, statuses, &failed), EPYR_OK,
           "load_many with one missing file");
    expect(statuses[1], EPYR_ERR_NOT_FOUND, "load_many status of the missing file");
    expect(failed == 1 && many[1] == NULL && many[0] && many[2] ? EPYR_OK : EPYR_ERR_PANIC,
           EPYR_OK, "load_many handles and count");
    for (int i = 0; i < 3; i++)
        epyr_dataset_free(many[i]);

    int chunks = 0;
    expect(epyr_loader_for_each_chunk(loader, good, NULL, stop_after_first, &chunks), EPYR_OK,
           "for_each_chunk stopped by the callback");
    expect(chunks == 1 ? EPYR_OK : EPYR_ERR_PANIC, EPYR_OK, "one chunk before the stop");

    expect(epyr_loader_load(loader, good, NULL, &ds), EPYR_OK, "load");
    double small[2] = {7, 7};
    uint64_t len = 12345;
    expect(epyr_dataset_copy_values(ds, 0, small, 2, &len), EPYR_ERR_BUFFER_TOO_SMALL,
           "copy into a buffer too small");
    expect(small[0] == 7 && len == 12345 ? EPYR_OK : EPYR_ERR_PANIC, EPYR_OK,
           "nothing written on failure");
    char text[64];
    uint64_t needed = 0;
    expect(epyr_dataset_param(ds, "NO_SUCH_KEY", text, sizeof text, &needed), EPYR_ERR_NOT_FOUND,
           "a missing parameter");
    expect(epyr_write_bes3t(ds, bad_write, "D", "BIG"), EPYR_ERR_NOT_FOUND,
           "write into a missing folder");

    expect(epyr_reader_open(loader, missing, &reader), EPYR_ERR_NOT_FOUND, "reader on a missing file");
    expect(epyr_reader_open(loader, good, &reader), EPYR_OK, "reader");
    expect(epyr_reader_read_rows(reader, 5, 1, small, 2, &len), EPYR_ERR_INVALID_ARG,
           "rows out of range");
    epyr_reader_free(reader);
    epyr_reader_free(reader); /* freed already: ignored */

    expect(epyr_config_set("performance.cache_size_mb", "-5"), EPYR_ERR_CONFIG,
           "invalid configuration value");
    expect(epyr_config_set("performance.memory_limit_mb", "0.001"), EPYR_OK, "a tiny memory limit");
    epyr_dataset *refused = NULL;
    expect(epyr_loader_load(loader, good, "n", &refused), EPYR_ERR_MEMORY_LIMIT,
           "a load over the memory limit");
    expect(epyr_config_set("performance.memory_limit_mb", "500"), EPYR_OK, "limit restored");

    epyr_dataset_free(ds);
    epyr_dataset_free(ds); /* freed already: ignored */
    uint64_t nx = 0;
    expect(epyr_dataset_dims(ds, &nx, NULL, NULL), EPYR_ERR_INVALID_ARG, "a freed handle");
    epyr_loader_free(loader);

    printf("error paths: %d checked, %d wrong\n", checked, wrong);
    return wrong == 0 ? 0 : 1;
}
