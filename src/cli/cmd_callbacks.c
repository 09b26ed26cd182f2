/* cmd_callbacks.c: the operator's view of callbacks over kassad's admin
 * API: callbacks list --order REF, callbacks resend ID, callbacks stats. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ADMIN_OPTS                                                                                 \
    {"server", CLI_ARG, "URL", "KASSA_SERVER", "kassad's base URL", 1, NULL, {0}, 0},              \
    {                                                                                              \
        "admin-token", CLI_ARG, "TOKEN", "KASSA_ADMIN_TOKEN", "the admin token", 1, NULL, {0}, 0   \
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
    cli_opt o[] = {
        ADMIN_OPTS,
        {"order", CLI_ARG, "REF", NULL, "the order's uuid or numeric id", 1, NULL, {0}, 0}};
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
    return cli_admin_call(o, N(o), "GET", path, NULL);
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
    return cli_admin_call(o, N(o), "POST", path, "{}");
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
    return cli_admin_call(o, N(o), "GET", "/admin/v1/callbacks/stats", NULL);
}
