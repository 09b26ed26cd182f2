/* crashpoint.c: see crashpoint.h. */
#include "crashpoint.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *crashpoint_armed;

static char point[64];
static long want = 1;
static atomic_long passes;

void crashpoint_init(bool enabled)
{
    const char *env = getenv("KASSA_CRASHPOINT");
    if (!enabled || env == NULL || env[0] == '\0')
        return;
    snprintf(point, sizeof point, "%s", env);
    char *colon = strchr(point, ':');
    if (colon != NULL) {
        *colon = '\0';
        want = strtol(colon + 1, NULL, 10);
        if (want < 1)
            want = 1;
    }
    crashpoint_armed = point;
}

void crashpoint_hit(const char *name)
{
    if (strcmp(name, point) != 0)
        return;
    if (atomic_fetch_add(&passes, 1) + 1 != want)
        return;
    static const char msg[] = "kassad: crash point reached, aborting\n";
    (void)!write(2, msg, sizeof msg - 1);
    signal(SIGABRT, SIG_DFL);
    abort();
}
