/* form.h: what the dialects that read forms or write HTML share and what can be
 * tested without a server: form-encoded decoding (query strings and POST
 * bodies, keeping the raw text for the MD5 sign), bracketed keys
 * ("receipt[items][0][name]"), receipt arithmetic, and HTML escaping. */
#ifndef KASSA_DIALECT_FORM_H
#define KASSA_DIALECT_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "core/core.h" /* struct receipt */

#define FORM_MAX_FIELDS 256

struct form_field {
    const char *key;   /* decoded ('+' is a space, %XX a byte) */
    const char *value; /* decoded */
};

struct form {
    struct form_field f[FORM_MAX_FIELDS];
    size_t n;
};

/* Decode application/x-www-form-urlencoded `text` (len bytes) into out, the
 * strings in arena `a`. Empty pieces ("a=1&&b=2") are skipped; a piece with
 * no '=' has the value "". false (msg says why) on a bad %-escape, a NUL
 * byte, more than FORM_MAX_FIELDS fields or out of memory. */
bool form_parse(struct arena *a, const char *text, size_t len, struct form *out, char *msg,
                size_t msglen);

/* The first value of `key`, or NULL. */
const char *form_get(const struct form *f, const char *key);

/* Split "a[b][0][c]" into its parts ("a", "b", "0", "c"), each < 64 bytes.
 * Returns the number of parts (1 for a plain key), or -1 when malformed
 * ("a[b", "a]b", "a[b]c", empty base) or more than `max` parts. */
int form_key_parts(const char *key, char parts[][64], int max);

/* A page under construction: a bounded buffer (base/buf.h) whose errors
 * are sticky (`failed`), so a page is built without a check per append
 * and checked once, at sbuf_finish. `limit` counts the text and its NUL. */
struct sbuf {
    struct buf buf;
    bool failed;
};
void sbuf_init(struct sbuf *b, size_t limit);
void sbuf_free(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addn(struct sbuf *b, const char *s, size_t n);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s HTML-escaped (& < > " ' escaped) to the buffer. */
void sbuf_html(struct sbuf *b, const char *s);
/* Append s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
void sbuf_urlenc(struct sbuf *b, const char *s);
/* The text (NUL-terminated) owned by the caller (free()), or NULL if anything failed. */
char *sbuf_finish(struct sbuf *b, size_t *len);

/* One part of a multipart/form-data body: its field name (not
 * terminated) and content, pointing into the body. */
struct form_part {
    const char *name;
    size_t name_len;
    const char *data;
    size_t len;
};

/* The next part of a multipart/form-data body whose Content-Type header
 * (with its boundary) is `content_type`; *pos starts at 0 and is moved on.
 * False at the closing delimiter, or when the body is no such form. */
bool form_multipart_next(const char *content_type, const char *body, size_t body_len, size_t *pos,
                         struct form_part *part);

/* Whether a part is the field `name`. */
bool form_part_is(const struct form_part *p, const char *name);

#endif
