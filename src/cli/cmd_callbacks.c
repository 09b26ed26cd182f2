/* cmd_callbacks.c: the operator's view of callbacks over kassad's admin
 * API: callbacks list --order REF, callbacks resend ID, callbacks stats. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ADMIN_OPTS                                                                             \
    {"server", CLI_ARG, "URL", "KASSA_SERVER", "kassad's base URL", 1, NULL, {0}, 0},          \
    {"admin-token", CLI_ARG, "TOKEN", "KASSA_ADMIN_TOKEN", "the admin token", 1, NULL, {0}, 0}

/* Send method path to the admin API and print the answer: CLI_OK on 2xx,
 * CLI_FAIL otherwise (the answer goes to stderr then). */
static int call(cli_opt *o, size_t n, const char *method, const char *path)
{
    kassa_request req = {0};
    kassa_response resp = {0};
    kassa_error err = {0};
    kassa_http *http = NULL;
    char *url = NULL, *auth = NULL;
    const char *server = cli_val(o, n, "server");
    size_t sl = strlen(server);
    int rc = CLI_FAIL;

    while (sl > 0 && server[sl - 1] == '/')
        sl--;
    if (asprintf(&url, "%.*s%s", (int)sl, server, path) < 0) {
        url = NULL;
        goto oom;
    }
    if (asprintf(&auth, "Bearer %s", cli_val(o, n, "admin-token")) < 0) {
        auth = NULL;
        goto oom;
    }
    if (kassa_request_init(&req, method, url) != KASSA_OK ||
        kassa_request_add_header(&req, "Authorization", auth) != KASSA_OK)
        goto oom;
    if (strcmp(method, "POST") == 0 &&
        (kassa_request_set_body(&req, "{}", 2) != KASSA_OK ||
         kassa_request_add_header(&req, "Content-Type", "application/json") != KASSA_OK))
        goto oom;
    if ((http = kassa_http_new()) == NULL)
        goto oom;
    if (kassa_http_send(http, &req, &resp, &err) != KASSA_OK) {
        rc = cli_report(&err);
        goto out;
    }
    if (resp.status / 100 == 2) {
        printf("%s\n", resp.body_len ? resp.body : "");
        rc = CLI_OK;
    } else {
        fprintf(stderr, "kassa: HTTP %ld %s: %s\n", resp.status, resp.reason,
                resp.body_len ? resp.body : "");
    }
    goto out;
oom:
    fprintf(stderr, "kassa: out of memory\n");
out:
    free(url);
    free(auth);
    kassa_request_free(&req);
    kassa_response_free(&resp);
    kassa_http_free(http);
    return rc;
}

/* REF (uuid or numeric id) as a query value: only [0-9a-fA-F-] accepted. */
static int ref_ok(const char *s)
{
    if (*s == '\0' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F') ||
              *s == '-'))
            return 0;
    return 1;
}

int cmd_callbacks_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS,
                   {"order", CLI_ARG, "REF", NULL, "the order's uuid or numeric id", 1, NULL,
                    {0}, 0}};
    char *pos[1];
    size_t npos;
    char path[160];
    int rc = cli_parse(cmd, "--order REF [--server URL --admin-token T]",
                       "Print an order's callbacks with every delivery attempt "
                       "(GET /admin/v1/callbacks?order=REF).",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    const char *ref = cli_val(o, N(o), "order");
    if (!ref_ok(ref))
        return cli_usage_error(cmd, "--order: expected an order uuid or numeric id");
    snprintf(path, sizeof path, "/admin/v1/callbacks?order=%s", ref);
    return call(o, N(o), "GET", path);
}

int cmd_callbacks_resend(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    char path[96];
    long id;
    int rc = cli_parse(cmd, "ID [--server URL --admin-token T]",
                       "Deliver a callback once more, its retry schedule restarted "
                       "(POST /admin/v1/callbacks/ID/resend).",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0)
        return rc;
    if (npos != 1 || cli_parse_long(pos[0], 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "expected one positive numeric ID");
    snprintf(path, sizeof path, "/admin/v1/callbacks/%ld/resend", id);
    return call(o, N(o), "POST", path);
}

int cmd_callbacks_stats(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--server URL --admin-token T]",
                       "Print callback counters: pending, retrying, delivered, failed, refused, "
                       "attempts (GET /admin/v1/callbacks/stats).",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return call(o, N(o), "GET", "/admin/v1/callbacks/stats");
}
