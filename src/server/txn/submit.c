/* submit.c: a request's command through the writer (see submit.h). */
#include "base/base.h"
#include "submit.h"

#include <stdlib.h>

static struct writer *submit_writer;

void submit_use_writer(struct writer *w)
{
    submit_writer = w;
}

/* A command on its way through the writer. The writer thread only records
 * the result and resumes the request; the answer is rendered back on an
 * HTTP thread (http_on_resume), keeping the writer's serial work short. */
struct pending {
    struct writer_cmd base;
    struct writer_cmd *inner;
    struct http_req *req_;
    render_fn render;
    kassa_err err;
};

static kassa_err pending_apply(struct store_conn *c, struct writer_cmd *base)
{
    struct pending *p = container_of(base, struct pending, base);
    return p->inner->apply(c, p->inner);
}

/* The inner commands of a group, to their own apply_many, a run of one
 * kind at a time (a command alone in its run goes back to the writer as
 * KASSA_ERETRY: run by itself). */
static kassa_err pending_apply_many(struct store_conn *c, struct writer_cmd **cmds, int n,
                                    kassa_err *results)
{
    struct writer_cmd **inner = malloc((size_t)n * sizeof *inner);
    if (inner == NULL)
        return KASSA_ENOMEM;
    for (int i = 0; i < n; i++)
        inner[i] = (container_of(cmds[i], struct pending, base))->inner;
    kassa_err err = KASSA_OK;
    for (int i = 0, j; i < n && err == KASSA_OK; i = j) {
        for (j = i + 1; j < n && inner[j]->apply_many == inner[i]->apply_many;)
            j++;
        if (j - i == 1)
            results[i] = KASSA_ERETRY;
        else
            err = inner[i]->apply_many(c, inner + i, j - i, results + i);
    }
    free(inner);
    return err;
}

static void pending_render(struct http_req *req, void *arg)
{
    struct pending *p = arg;
    p->render(req, p->inner, p->err);
}

static void pending_done(struct writer_cmd *base, kassa_err err)
{
    struct pending *p = container_of(base, struct pending, base);
    p->err = err;
    http_resume_later(p->req_);
}

enum http_action submit_and_render(struct http_req *req, struct writer_cmd *cmd, render_fn render)
{
    struct pending *p = arena_calloc(&req->arena, sizeof *p);
    if (p == NULL) {
        render(req, cmd, KASSA_ENOMEM);
        return HTTP_DONE;
    }
    p->base.apply = pending_apply;
    p->base.apply_many = cmd->apply_many ? pending_apply_many : NULL;
    p->base.done = pending_done;
    p->inner = cmd;
    p->req_ = req;
    p->render = render;
    http_on_resume(req, pending_render, p);
    http_suspend(req);
    writer_submit(submit_writer, &p->base);
    return HTTP_SUSPENDED;
}
