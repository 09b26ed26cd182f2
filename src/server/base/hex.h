/* hex.h: hexadecimal digits, both ways, for every server site that reads or
 * writes them (request ids, tokens, uuids, %XX and \xXX escapes, PostgreSQL
 * bytea). libkassa (src/lib/) keeps its own copy: it may not include
 * server code. */
#ifndef KASSA_HEX_H
#define KASSA_HEX_H

#include <stdbool.h>
#include <stddef.h>

/* The value of hex digit c (0-9, a-f, A-F): 0..15, or -1 for anything else. */
int hex_value(char c);

/* n bytes as 2n hex digits, lower-case or, when `upper`, upper-case, then a
 * NUL: out holds 2n + 1 bytes. */
void hex_encode(const void *bytes, size_t n, char *out, bool upper);

#endif
