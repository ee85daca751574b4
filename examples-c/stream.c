/*
 * epyr stream: read a dataset of any size in chunks with bounded memory.
 *
 *   stream [file [chunk_mb]]
 *
 * Without a file it first writes a 2-D dataset of 64 MB of values (4096 x 2048 float64) with
 * epyr's BES3T writer into the current folder (stream_big.DSC/.DTA), then streams it.
 * It streams the file three ways: into a caller buffer (epyr_reader_next), through the
 * reader's own buffer (epyr_reader_next_chunk) and through a callback
 * (epyr_loader_for_each_chunk); it also reads the last row directly (epyr_reader_read_rows).
 * It prints the sums (all three equal) and the most memory epyr held while streaming.
 */
#include "check.h"

#include <epyr.h>

#include <stdio.h>
#include <stdlib.h>

/* The most memory epyr has held so far, in MB. */
static double peak_library_mb = 0;

static void sample_memory(void)
{
    double library = 0;
    if (epyr_memory_info(NULL, NULL, NULL, &library) == EPYR_OK && library > peak_library_mb)
        peak_library_mb = library;
}

/* Writes a large 2-D dataset to `base` (.DSC/.DTA). The values are only needed once, to hand
 * them to epyr_dataset_new; streaming them back does not need them. */
static int write_big_dataset(const char *base)
{
    const uint64_t nx = 4096, ny = 2048;
    uint64_t i;
    epyr_dataset *ds = NULL;
    int rc = 1;
    double *values = malloc(nx * ny * sizeof *values);
    if (!values)
        return 1;
    for (i = 0; i < nx * ny; i++)
        values[i] = (double)(i % 1000) - 500.0;
    CHECK(epyr_dataset_new(nx, ny, 1, 0, values, nx * ny, &ds));
    free(values);
    values = NULL;
    CHECK(epyr_write_bes3t(ds, base, "D", "LIT"));
    printf("wrote %s.DSC/.DTA: %llu x %llu float64\n", base, (unsigned long long)nx,
           (unsigned long long)ny);
    rc = 0;
done:
    free(values);
    epyr_dataset_free(ds);
    return rc;
}

struct callback_state {
    double sum;
    uint64_t values;
};

static int32_t add_chunk(void *user, const double *values, uint64_t len, uint64_t first_point)
{
    struct callback_state *state = user;
    uint64_t i;
    (void)first_point;
    for (i = 0; i < len; i++)
        state->sum += values[i];
    state->values += len;
    sample_memory();
    return 0; /* go on */
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "stream_big.DSC";
    double chunk_mb = argc > 2 ? atof(argv[2]) : 1.0;
    epyr_loader *loader = NULL;
    epyr_reader *reader = NULL;
    double *buf = NULL, *row = NULL;
    uint64_t nx, ny, nz, per_point, chunk_points, len, first, chunks = 0, total = 0, i;
    uint64_t row_len, buf_len, last_row_start;
    double sum = 0, sum_own = 0, row_sum = 0, last_row_from_stream = 0;
    const double *chunk;
    struct callback_state state = {0, 0};
    int rc = 1;

    if (argc <= 1 && write_big_dataset("stream_big"))
        return 1;

    /* No cache: streaming never keeps the data. */
    CHECK(epyr_loader_new(NULL, chunk_mb, 0, &loader));
    CHECK(epyr_reader_open(loader, path, &reader));
    CHECK(epyr_reader_info(reader, &nx, &ny, &nz, &per_point, &chunk_points, NULL));
    printf("file: %s\n", path);
    printf("dims: %llu x %llu x %llu, %llu values per point\n", (unsigned long long)nx,
           (unsigned long long)ny, (unsigned long long)nz, (unsigned long long)per_point);
    printf("file MB: %.1f (as float64)\n", (double)(nx * ny * nz * per_point) * 8 / 1048576.0);
    printf("chunk: %llu points (%.2f MB)\n", (unsigned long long)chunk_points,
           (double)(chunk_points * per_point) * 8 / 1048576.0);

    /* 1. Into a caller buffer of one chunk. */
    last_row_start = (nx * ny * nz - nx) * per_point;
    buf_len = chunk_points * per_point;
    buf = malloc(buf_len * sizeof *buf);
    if (!buf)
        goto done;
    for (;;) {
        CHECK(epyr_reader_next(reader, buf, buf_len, &len, &first));
        if (len == 0)
            break;
        for (i = 0; i < len; i++) {
            sum += buf[i];
            if (first * per_point + i >= last_row_start) /* a value of the last row */
                last_row_from_stream += buf[i];
        }
        total += len;
        chunks++;
        sample_memory();
    }
    printf("chunks: %llu\n", (unsigned long long)chunks);
    printf("values: %llu\n", (unsigned long long)total);
    printf("sum: %.17g\n", sum);

    /* 2. Through the reader's own buffer, after a rewind. */
    CHECK(epyr_reader_rewind(reader));
    for (;;) {
        CHECK(epyr_reader_next_chunk(reader, &chunk, &len, &first));
        if (len == 0)
            break;
        for (i = 0; i < len; i++)
            sum_own += chunk[i];
        sample_memory();
    }
    printf("sum (reader buffer): %.17g\n", sum_own);

    /* 3. Through a callback. */
    CHECK(epyr_loader_for_each_chunk(loader, path, NULL, add_chunk, &state));
    printf("sum (callback): %.17g over %llu values\n", state.sum, (unsigned long long)state.values);

    /* The last row, read directly. */
    CHECK(epyr_reader_read_rows(reader, ny * nz - 1, 1, NULL, 0, &row_len));
    row = malloc(row_len * sizeof *row);
    if (!row)
        goto done;
    CHECK(epyr_reader_read_rows(reader, ny * nz - 1, 1, row, row_len, &row_len));
    for (i = 0; i < row_len; i++)
        row_sum += row[i];
    printf("last row: %s\n", row_sum == last_row_from_stream ? "matches the stream" : "DIFFERS");

    printf("peak MB held by epyr while streaming: %.3f\n", peak_library_mb);
    rc = !(sum == sum_own && sum == state.sum && total == state.values &&
           row_sum == last_row_from_stream);
done:
    free(row);
    free(buf);
    epyr_reader_free(reader);
    epyr_loader_free(loader);
    return rc;
}
