/* submit.h: run a request's command on the writer with the connection
 * suspended meanwhile (suspend -> writer -> resume), so an HTTP thread never
 * waits for a commit. */
#ifndef KASSA_SUBMIT_H
#define KASSA_SUBMIT_H

#include "http/http.h"
#include "txn/writer.h"
#include "kassa/error.h"

/* The writer every submitted command goes to (main.c, once). */
void submit_use_writer(struct writer *w);

typedef void (*render_fn)(struct http_req *req, struct writer_cmd *cmd, kassa_err err);

/* Suspend the request, run `cmd` on the writer, and once it committed
 * resume the request and call render(req, cmd, err) on an HTTP thread.
 * Returns HTTP_SUSPENDED for the handler to return; when the request's
 * memory is exhausted, calls render(req, cmd, KASSA_ENOMEM) at once and
 * returns HTTP_DONE. */
enum http_action submit_and_render(struct http_req *req, struct writer_cmd *cmd, render_fn render);

#endif
