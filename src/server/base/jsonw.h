/* jsonw.h: a JSON writer that renders straight into one bounded buffer
 * (buf.h). Exact decimal numbers (money) are written as raw text, which
 * jansson cannot do. Errors (allocation, ceiling, nesting) are sticky:
 * check `failed`, or once at jw_finish. */
#ifndef KASSA_JSONW_H
#define KASSA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JW_MAX_DEPTH 32

struct jw {
    struct buf buf;
    bool failed;
    int depth;
    bool first[JW_MAX_DEPTH]; /* no element yet at this depth */
    bool after_key;
};

/* A writer whose document, with its terminating NUL, takes at most `limit`
 * bytes. */
void jw_init(struct jw *w, size_t limit);
void jw_free(struct jw *w);

/* The rendered document, NUL-terminated, owned by the caller (free()); NULL
 * when anything failed (the writer is freed either way). */
char *jw_finish(struct jw *w, size_t *len);

void jw_obj(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *raw); /* a ready JSON value, e.g. "1000.47" */

/* Money of `currency` with `places` decimals: a JSON string ("1000.47") or,
 * with as_number, a JSON number (1000.47). */
void jw_money(struct jw *w, int64_t minor, const char *currency, int places, bool as_number);

/* key + value shorthands */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kstr_or_null(struct jw *w, const char *key, const char *s); /* "" -> null */
void jw_kint(struct jw *w, const char *key, long long v);
void jw_kbool(struct jw *w, const char *key, bool v);
void jw_knull(struct jw *w, const char *key);
void jw_kmoney(struct jw *w, const char *key, int64_t minor, const char *currency, int places,
               bool as_number);

#endif
