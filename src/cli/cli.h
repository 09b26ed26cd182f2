/* cli.h: the kassa command-line tool's shared pieces: the command table,
 * option parsing, exit codes and output helpers. Each command lives in its
 * own cmd_*.c file and is one row of the table in main.c. */
#ifndef KASSA_CLI_H
#define KASSA_CLI_H

#include <stddef.h>

#include "kassa/kassa.h"

/* Exit codes scripts can rely on. */
#define CLI_OK 0    /* success */
#define CLI_FAIL 1  /* the API refused, or transport / protocol failure */
#define CLI_USAGE 2 /* bad command line */

/* What one option takes. */
typedef enum cli_kind {
    CLI_ARG,  /* --name VALUE (or --name=VALUE); the last one wins */
    CLI_FLAG, /* --name */
    CLI_LIST  /* --name VALUE, repeatable */
} cli_kind;

#define CLI_LIST_MAX 64

/* One option: the first five members are the spec, the rest the result. */
typedef struct cli_opt {
    const char *name; /* "host" for --host */
    cli_kind kind;
    const char *metavar; /* "URL" in the help; NULL for flags */
    const char *env;     /* environment variable used when absent, or NULL */
    const char *help;
    int required;      /* 1: a usage error when absent (after env) */
    const char *value; /* ARG: the value; FLAG: "1" when given */
    const char *list[CLI_LIST_MAX];
    size_t n_list;
} cli_opt;

/* One command: words (1 or 2) select it; run gets the arguments after them. */
typedef struct cli_cmd {
    const char *words[2];
    const char *summary;
    int (*run)(const struct cli_cmd *cmd, int argc, char **argv);
} cli_cmd;

/* Parse argv (after the command words) against opts; positionals go to pos
 * (at most max_pos; *n_pos receives how many). usage is the one-line
 * argument synopsis, desc the paragraph of --help. Returns -1 to carry on,
 * or the exit code to return at once: CLI_OK after printing --help,
 * CLI_USAGE after printing a usage error to stderr. */
int cli_parse(const cli_cmd *cmd, const char *usage, const char *desc, int argc, char **argv,
              cli_opt *opts, size_t n_opts, char **pos, size_t max_pos, size_t *n_pos);

/* The option named name in opts (which must hold it). */
cli_opt *cli_get(cli_opt *opts, size_t n_opts, const char *name);
const char *cli_val(cli_opt *opts, size_t n_opts, const char *name);

/* Print "kassa <words>: <message>" and a hint to stderr; returns CLI_USAGE. */
int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a libkassa error to stderr ("kassa: HTTP 409: API error: msg");
 * returns CLI_FAIL. */
int cli_report(const kassa_error *err);

/* Parse a decimal integer in [min, max]; 0 on success, -1 otherwise. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Read a whole file ("-": stdin) into a malloc'd NUL-terminated buffer;
 * NULL (with errno) on failure. *len receives its length. */
char *cli_read_file(const char *path, size_t *len);

/* Send `method path` (body: JSON text or NULL) to the admin API with the
 * --server and --admin-token options in opts; print the answer. CLI_OK on
 * 2xx, else CLI_FAIL with the server's error on stderr (cmd_admin.c). */
int cli_admin_call(cli_opt *opts, size_t n_opts, const char *method, const char *path,
                   const char *body);

/* The options every admin command takes first: --server, --admin-token. */
#define ADMIN_OPTS                                                                                 \
    {"server", CLI_ARG, "URL", "KASSA_SERVER", "kassad's base URL", 1, NULL, {0}, 0},              \
    {                                                                                              \
        "admin-token", CLI_ARG, "TOKEN", "KASSA_ADMIN_TOKEN", "the admin token", 1, NULL, {0}, 0   \
    }

/* The options every admin list takes: --limit, --cursor, --order. */
#define PAGE_OPTS                                                                                   \
    {"limit", CLI_ARG, "N", NULL, "rows per page, 1-500 (default 50)", 0, NULL, {0}, 0},            \
        {"cursor", CLI_ARG, "CURSOR", NULL, "the next_cursor of the page before", 0, NULL, {0}, 0}, \
    {                                                                                               \
        "order", CLI_ARG, "asc|desc", NULL,                                                         \
            "oldest first (asc) or newest first (desc, the "                                        \
            "default)",                                                                             \
            0, NULL, {0}, 0                                                                         \
    }

/* The one positional argument a command takes: a positive numeric id into
 * *id, -1; else the usage error's exit code ("expected one positive numeric
 * <what> ID"). */
int cli_one_id(const cli_cmd *cmd, char **pos, size_t npos, const char *what, long *id);

/* path?<each option from opts[first] on that was given, as name=value>
 * ("--shop-id 7" -> shop_id=7), malloc'd; NULL when memory is short. */
char *cli_query_url(cli_opt *opts, size_t n_opts, size_t first, const char *path);

/* GET cli_query_url(...) from the admin API, printed (cli_admin_call). */
int cli_admin_get_query(cli_opt *opts, size_t n_opts, size_t first, const char *path);

/* The commands (one file each). */
/* The string options given, from opts[first] on, as a JSON object (names
 * "callback-url" -> "callback_url"; on|off of a switch as a boolean), sent
 * as `method path`; or as a query string of a GET. CLI_OK on 2xx. */
int cli_send_options(cli_opt *opts, size_t n_opts, size_t first, const char *method,
                     const char *path);

int cmd_merchant_user_create(const cli_cmd *cmd, int argc, char **argv);
int cmd_merchant_user_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_merchant_user_update(const cli_cmd *cmd, int argc, char **argv);
int cmd_overview(const cli_cmd *cmd, int argc, char **argv);
int cmd_operator_create(const cli_cmd *cmd, int argc, char **argv);
int cmd_operator_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_operator_update(const cli_cmd *cmd, int argc, char **argv);
int cmd_token_create(const cli_cmd *cmd, int argc, char **argv);
int cmd_token_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_token_revoke(const cli_cmd *cmd, int argc, char **argv);
int cmd_audit_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_whoami(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_rotate(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_pair(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_revoke(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_bind(const cli_cmd *cmd, int argc, char **argv);
int cmd_device_unbind(const cli_cmd *cmd, int argc, char **argv);
int cmd_bank_message_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_bank_message_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_bank_message_attach(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_create(const cli_cmd *cmd, int argc, char **argv);
int cmd_dispute_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_dispute_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_dispute_decide(const cli_cmd *cmd, int argc, char **argv);
int cmd_dispute_pause(const cli_cmd *cmd, int argc, char **argv);
int cmd_dispute_resume(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_update(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_deposit(const cli_cmd *cmd, int argc, char **argv);
int cmd_trader_withdraw(const cli_cmd *cmd, int argc, char **argv);
int cmd_panda_create_order(const cli_cmd *cmd, int argc, char **argv);
int cmd_panda_order(const cli_cmd *cmd, int argc, char **argv);
int cmd_panda_cancel(const cli_cmd *cmd, int argc, char **argv);
int cmd_tegro_call(const cli_cmd *cmd, int argc, char **argv);
int cmd_tegro_pay_url(const cli_cmd *cmd, int argc, char **argv);
int cmd_listen(const cli_cmd *cmd, int argc, char **argv);
int cmd_sign(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_create(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_update(const cli_cmd *cmd, int argc, char **argv);
int cmd_requisite_update(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_disable(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_enable(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_balances(const cli_cmd *cmd, int argc, char **argv);
int cmd_withdrawal_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_withdrawal_complete(const cli_cmd *cmd, int argc, char **argv);
int cmd_withdrawal_reject(const cli_cmd *cmd, int argc, char **argv);
int cmd_ledger_verify(const cli_cmd *cmd, int argc, char **argv);
int cmd_requisite_add(const cli_cmd *cmd, int argc, char **argv);
int cmd_withdrawal_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_show(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_complete(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_fail(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_reverse(const cli_cmd *cmd, int argc, char **argv);
int cmd_callbacks_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_callbacks_resend(const cli_cmd *cmd, int argc, char **argv);
int cmd_callbacks_stats(const cli_cmd *cmd, int argc, char **argv);
int cmd_shop_list(const cli_cmd *cmd, int argc, char **argv);
int cmd_order_export(const cli_cmd *cmd, int argc, char **argv);
int cmd_ledger_export(const cli_cmd *cmd, int argc, char **argv);
int cmd_backup(const cli_cmd *cmd, int argc, char **argv);

#endif
