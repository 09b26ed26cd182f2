/* submit.c: a request's task through the writer (see submit.h). */
#include "base/base.h"
#include "submit.h"
#include "writer.h"

static struct writer *submit_writer;

void submit_use_writer(struct writer *w)
{
    submit_writer = w;
}

/* A task on its way through the writer, in the request's memory. The
 * writer thread runs the task itself (no wrapper: tasks of one kind group
 * by their own run_many), then only records the result and resumes the
 * request; the answer is rendered back on an HTTP thread (http_on_resume),
 * keeping the writer's serial work short. */
struct pending {
    struct writer_cmd cmd;
    struct http_req *req_;
    render_fn render;
    kassa_err err;
};

static void pending_render(struct http_req *req, void *arg)
{
    struct pending *p = arg;
    p->render(req, p->cmd.task, p->err);
}

static void pending_done(struct writer_cmd *cmd, kassa_err err)
{
    struct pending *p = container_of(cmd, struct pending, cmd);
    p->err = err;
    http_resume_later(p->req_);
}

enum http_action submit_and_render(struct http_req *req, struct store_task *task, render_fn render)
{
    struct pending *p = arena_calloc(&req->arena, sizeof *p);
    if (p == NULL) {
        render(req, task, KASSA_ENOMEM);
        return HTTP_DONE;
    }
    p->cmd.task = task;
    p->cmd.done = pending_done;
    p->req_ = req;
    p->render = render;
    http_on_resume(req, pending_render, p);
    http_suspend(req);
    writer_submit(submit_writer, &p->cmd);
    return HTTP_SUSPENDED;
}
