/* log.h: structured logs to stderr, one line per event.
 *
 * Each line: `ts=<RFC3339 ms> level=<lvl> req=<id or -> msg="..." k=v ...`.
 * The request id is thread-local: http.c sets it while a request is handled
 * on that thread, so every line logged on behalf of a request carries it. */
#ifndef KASSA_LOG_H
#define KASSA_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below `min` are dropped. Default LOG_INFO. */
void log_set_level(enum log_level min);

/* Set (or clear, with NULL) this thread's current request id. The string is
 * copied (at most 32 bytes). */
void log_set_request_id(const char *id);
/* The same, and who the request authenticated as (`who`, "" or NULL for
 * nobody yet): logged as " who=<who>" after the id. `who` is not copied:
 * it must live while it is set (a request's own memory), and a later
 * change to it shows in the next line. */
void log_set_request(const char *id, const char *who);
const char *log_request_id(void); /* "-" when none */

/* Log a line. `fmt` renders the message followed by optional ` key=value`
 * pairs, e.g. log_msg(LOG_INFO, "order created", "uuid=%s", uuid). The line
 * is bounded (4 KiB) and truncated past that; newlines in it are escaped. */
void log_msg(enum log_level lvl, const char *msg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The format starts with " " (not ""): gcc's -Wformat-zero-length would
 * reject log_info("msg") under -Werror. log_msg skips leading spaces. */
/* Hand lines to a logger thread from now on (see log.c); 0, or -1 when it
 * cannot start (lines then stay synchronous). */
int log_start_async(void);
/* Return once every line logged before the call is written (before an
 * abort, so that the line saying why is not lost in the logger's buffer). */
void log_flush(void);

/* Write every pending line and stop the logger thread; lines are written
 * synchronously again afterwards. */
void log_stop_async(void);

#define log_info(msg, ...) log_msg(LOG_INFO, msg, " " __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, " " __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, " " __VA_ARGS__)
#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, " " __VA_ARGS__)

#endif
