/*
 * Error handling shared by the C examples: CHECK(call) prints the failed call with its status
 * name and epyr's message for this thread, then jumps to the function's `done:` label.
 */
#ifndef EPYR_EXAMPLE_CHECK_H
#define EPYR_EXAMPLE_CHECK_H

#include <epyr.h>
#include <stdio.h>

/* Prints the failed call with its status name and message; returns nonzero on failure. */
static int failed(int32_t status, const char *call)
{
    char message[1024];
    if (status == EPYR_OK)
        return 0;
    epyr_last_error_message(message, sizeof message);
    fprintf(stderr, "%s: %s (%d): %s\n", call, epyr_error_name(status), (int)status, message);
    return 1;
}

#define CHECK(call)                 \
    do {                            \
        if (failed((call), #call))  \
            goto done;              \
    } while (0)

#endif
