/* cmd_overview.c: kassa overview, the console's live overview over
 * kassad's admin API (GET /admin/v1/overview). */
#include "cli.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

int cmd_overview(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS,
                   {"hours",
                    CLI_ARG,
                    "N",
                    NULL,
                    "the window: the last N hours, 1-48 (default 6)",
                    0,
                    NULL,
                    {0},
                    0}};
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--hours N] [--server URL --admin-token T]",
                       "Print the live overview (GET /admin/v1/overview): orders created and "
                       "completed with conversion per bucket, the window's totals and volume per "
                       "currency and shop, pending orders and the payer-says-paid queue, open "
                       "disputes, the outbox and the callback failure rate, pending withdrawals, "
                       "and the database's state.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/overview");
}
