/* alloc_fail.h: make the Nth allocation fail (curl's torture tests). A test
 * linked with -Wl,--wrap=malloc,... (tests/unit/meson.build) gets every
 * malloc, calloc, realloc, strdup and strndup of kassa's own code (the
 * static libraries linked into it) counted, and, once armed, the one
 * numbered `fail_at` refused; the live count catches leaks. */
#ifndef KASSA_ALLOC_FAIL_H
#define KASSA_ALLOC_FAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Arm: from now on count allocations, and refuse the fail_at-th (1-based;
 * 0 refuses none). */
void alloc_fail_arm(size_t fail_at);

/* For another allocator (SQLite's, say): count one allocation and say
 * whether it is the one to refuse. */
bool alloc_fail_refuse_now(void);

/* Disarm; returns how many allocations were made since alloc_fail_arm. */
size_t alloc_fail_disarm(void);

/* Whether the armed allocation was refused (it was reached). */
bool alloc_fail_hit(void);

/* Blocks allocated and not freed since the last alloc_fail_arm. */
long alloc_fail_live(void);

/* Print the blocks allocated since the last alloc_fail_arm and not freed,
 * with the address of the code that allocated each (addr2line -f -e the
 * test binary names it). */
void alloc_fail_report(FILE *to);

#endif
