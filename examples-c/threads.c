/*
 * epyr threads: several POSIX threads load the same files through one shared loader and
 * cache. Each file is read once; every other load is a cache hit on the same data. Each
 * thread also makes a call that fails and checks that its last error message is its own.
 *
 *   threads file [file ...]
 */
#include <epyr.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 8
#define MAX_FILES 8

struct job {
    epyr_loader *loader;
    int id;
    int files;
    char *const *paths;
    const double *seen[MAX_FILES]; /* the data pointer each file gave this thread */
    int errors;
};

static void *work(void *arg)
{
    struct job *job = arg;
    char bad[64], message[512];
    int round, f;
    for (round = 0; round < ROUNDS; round++) {
        for (f = 0; f < job->files; f++) {
            epyr_dataset *ds = NULL;
            const double *values;
            uint64_t len;
            if (epyr_loader_load(job->loader, job->paths[f], NULL, &ds) != EPYR_OK ||
                epyr_dataset_values(ds, 0, &values, &len) != EPYR_OK) {
                job->errors++;
            } else if (job->seen[f] == NULL) {
                job->seen[f] = values;
            } else if (job->seen[f] != values) {
                job->errors++; /* a copy instead of the shared data */
            }
            epyr_dataset_free(ds);
        }
        /* The last error is per thread: this thread sees its own path in it. */
        snprintf(bad, sizeof bad, "/nonexistent/thread-%d-round-%d.DSC", job->id, round);
        {
            epyr_dataset *none = NULL;
            if (epyr_loader_load(job->loader, bad, NULL, &none) != EPYR_ERR_NOT_FOUND || none)
                job->errors++;
        }
        epyr_last_error_message(message, sizeof message);
        if (strstr(message, bad) == NULL)
            job->errors++;
    }
    return NULL;
}

/* LabVIEW "Run in any thread": one thread makes a call that fails, another reads its message
 * through the handle the call was made with. */
static void *fail_one_load(void *loader)
{
    epyr_dataset *none = NULL;
    if (epyr_loader_load(loader, "/nonexistent/labview-node.DSC", NULL, &none) != EPYR_ERR_NOT_FOUND)
        return loader; /* anything but NULL: the call did not fail as it should */
    return NULL;
}

static int message_read_on_another_thread(void)
{
    epyr_loader *own = NULL;
    pthread_t other;
    void *wrong = NULL;
    char message[512] = "";
    int ok;
    if (epyr_loader_new(NULL, 0, 0, &own) != EPYR_OK)
        return 0;
    ok = pthread_create(&other, NULL, fail_one_load, own) == 0 &&
         pthread_join(other, &wrong) == 0 && wrong == NULL &&
         epyr_handle_last_error_message(own, message, sizeof message) > 1 &&
         strstr(message, "labview-node.DSC") != NULL;
    epyr_loader_free(own);
    return ok;
}

int main(int argc, char **argv)
{
    epyr_cache *cache = NULL;
    epyr_loader *loader = NULL;
    struct job jobs[THREADS];
    pthread_t threads[THREADS];
    uint64_t entries, hits, misses, evictions, invalidations;
    int t, f, errors = 0, shared = 1, files = argc - 1;
    int32_t status;

    if (files < 1 || files > MAX_FILES) {
        fprintf(stderr, "usage: threads file [file ...] (at most %d)\n", MAX_FILES);
        return 2;
    }
    status = epyr_cache_new(64, &cache);
    if (status == EPYR_OK)
        status = epyr_loader_new(cache, 0, 1, &loader);
    if (status != EPYR_OK) {
        char message[512];
        epyr_last_error_message(message, sizeof message);
        fprintf(stderr, "setup failed: %s\n", message);
        epyr_cache_free(cache);
        return 1;
    }
    /* The loader keeps the cache alive; the handle is not needed for loading any more. */

    for (t = 0; t < THREADS; t++) {
        memset(&jobs[t], 0, sizeof jobs[t]);
        jobs[t].loader = loader;
        jobs[t].id = t;
        jobs[t].files = files;
        jobs[t].paths = argv + 1;
        if (pthread_create(&threads[t], NULL, work, &jobs[t]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);

    for (t = 0; t < THREADS; t++) {
        errors += jobs[t].errors;
        for (f = 0; f < files; f++)
            shared &= jobs[t].seen[f] == jobs[0].seen[f] && jobs[t].seen[f] != NULL;
    }
    epyr_cache_stats(cache, &entries, NULL, NULL, NULL, &hits, &misses);
    epyr_cache_stats_ex(cache, NULL, NULL, &evictions, &invalidations);
    printf("threads: %d, loads: %d\n", THREADS, THREADS * ROUNDS * files);
    printf("failing loads (missing files): %d\n", THREADS * ROUNDS);
    printf("errors: %d\n", errors);
    printf("all threads share the data: %s\n", shared ? "yes" : "no");
    {
        int handle_message = message_read_on_another_thread();
        printf("message read through the handle on another thread: %s\n",
               handle_message ? "yes" : "no");
        errors += !handle_message;
    }
    printf("cache: entries=%llu lookups=%llu evictions=%llu invalidations=%llu\n",
           (unsigned long long)entries, (unsigned long long)(hits + misses),
           (unsigned long long)evictions, (unsigned long long)invalidations);
    printf("files read: %llu, hits: %llu\n", (unsigned long long)entries,
           (unsigned long long)hits);

    epyr_loader_free(loader);
    epyr_cache_free(cache);
    return errors == 0 && shared ? 0 : 1;
}
