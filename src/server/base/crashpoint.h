/* crashpoint.h: named places where a crash test makes kassad die.
 *
 * CRASHPOINT("name") does nothing unless kassad was started with
 * --test-clock and KASSA_CRASHPOINT=name[:n] in its environment; then the
 * n-th time (1 by default) the point is passed, kassad aborts there, as a
 * power cut would stop it (no clean-up, no flush). tests/e2e/test_crash.py
 * runs each point and checks that nothing answered was lost. Off, a point
 * costs one load and a predicted branch. */
#ifndef KASSA_CRASHPOINT_H
#define KASSA_CRASHPOINT_H

#include <stdbool.h>

/* Read KASSA_CRASHPOINT (only when `enabled`: kassad's --test-clock). */
void crashpoint_init(bool enabled);

/* The armed point's name, or NULL (crashpoint_hit's fast path). */
extern const char *crashpoint_armed;

/* Count a pass of point `name`; abort at the armed one's n-th. */
void crashpoint_hit(const char *name);

#define CRASHPOINT(name)                                                                           \
    do {                                                                                           \
        if (__builtin_expect(crashpoint_armed != 0, 0))                                            \
            crashpoint_hit(name);                                                                  \
    } while (0)

#endif
