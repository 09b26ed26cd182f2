/* submit.h: run a request's task (a core command, store.h's struct
 * store_task) on the writer with the connection suspended meanwhile
 * (suspend -> writer -> resume), so an HTTP thread never waits for a
 * commit. */
#ifndef KASSA_SUBMIT_H
#define KASSA_SUBMIT_H

#include "http/http.h"
#include "kassa/error.h"

struct store_task;
struct writer;

/* The writer every submitted task goes to (main.c, once). */
void submit_use_writer(struct writer *w);

/* Renders the answer to a submitted task; `task` is the one submitted (the
 * caller finds its command with container_of). */
typedef void (*render_fn)(struct http_req *req, struct store_task *task, kassa_err err);

/* Suspend the request, run `task` on the writer (its run, or its run_many
 * with its neighbours of one kind, possibly several times: store.h), and
 * once it committed resume the request and call render(req, task, err) on
 * an HTTP thread. The task must live in the request's memory (or longer).
 * Returns HTTP_SUSPENDED for the handler to return; when the request's
 * memory is exhausted, calls render(req, task, KASSA_ENOMEM) at once and
 * returns HTTP_DONE. */
enum http_action submit_and_render(struct http_req *req, struct store_task *task, render_fn render);

#endif
