/* cmd_disputes.c: disputes over the admin API: dispute list | show |
 * decide | pause | resume. */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The dispute's uuid: the one positional argument. */
static int one_uuid(const cli_cmd *cmd, char **pos, size_t npos, const char **uuid)
{
    if (npos != 1 || pos[0][0] == '\0' || strlen(pos[0]) > 64 || strchr(pos[0], '/') != NULL)
        return cli_usage_error(cmd, "expected one dispute uuid");
    *uuid = pos[0];
    return -1;
}

int cmd_dispute_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"status",
         CLI_ARG,
         "STATUS",
         NULL,
         "in_progress, paused, resolved_success or resolved_cancel",
         0,
         NULL,
         {0},
         0},
        {"shop-id", CLI_ARG, "ID", NULL, "one shop's", 0, NULL, {0}, 0},
        {"trader-id", CLI_ARG, "ID", NULL, "on one trader's requisites", 0, NULL, {0}, 0},
        {"awaiting", CLI_ARG, "trader|operator", NULL, "whose move it is", 0, NULL, {0}, 0},
        {"limit", CLI_ARG, "N", NULL, "rows per page, 1-500 (default 50)", 0, NULL, {0}, 0},
        {"cursor", CLI_ARG, "CURSOR", NULL, "the next_cursor of the page before", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--status S] [--shop-id ID] [--trader-id ID] [--awaiting W]",
                       "The dispute queue (GET /admin/v1/disputes): without --status or "
                       "--awaiting the open ones, those awaiting the operator first.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/disputes");
}

int cmd_dispute_show(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    const char *uuid;
    char path[128];
    int rc = cli_parse(cmd, "UUID",
                       "Print a dispute with its evidence and log (GET /admin/v1/disputes/UUID).",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = one_uuid(cmd, pos, npos, &uuid)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/disputes/%s", uuid);
    return cli_admin_call(o, N(o), "GET", path, NULL);
}

int cmd_dispute_decide(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"outcome",
         CLI_ARG,
         "success|cancel",
         NULL,
         "in the payer's favour or not",
         1,
         NULL,
         {0},
         0},
        {"amount-received",
         CLI_ARG,
         "AMOUNT",
         NULL,
         "success: the amount actually received (default the dispute's)",
         0,
         NULL,
         {0},
         0},
        {"comment", CLI_ARG, "TEXT", NULL, "words for the dispute's log", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    const char *uuid;
    char path[128];
    int rc = cli_parse(cmd, "UUID --outcome success|cancel [--amount-received A] [--comment T]",
                       "Decide a dispute (POST /admin/v1/disputes/UUID/decide): success "
                       "completes its order (late).",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = one_uuid(cmd, pos, npos, &uuid)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/disputes/%s/decide", uuid);
    return cli_send_options(o, N(o), 2, "POST", path);
}

static int clock_cmd(const cli_cmd *cmd, int argc, char **argv, const char *what, const char *desc)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"comment", CLI_ARG, "TEXT", NULL, "words for the dispute's log", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    const char *uuid;
    char path[128];
    int rc = cli_parse(cmd, "UUID [--comment T]", desc, argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = one_uuid(cmd, pos, npos, &uuid)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/disputes/%s/%s", uuid, what);
    return cli_send_options(o, N(o), 2, "POST", path);
}

int cmd_dispute_pause(const cli_cmd *cmd, int argc, char **argv)
{
    return clock_cmd(cmd, argc, argv, "pause",
                     "Stop a dispute's clock (POST /admin/v1/disputes/UUID/pause).");
}

int cmd_dispute_resume(const cli_cmd *cmd, int argc, char **argv)
{
    return clock_cmd(cmd, argc, argv, "resume",
                     "Start a paused dispute's clock again (POST /admin/v1/disputes/UUID/resume).");
}
