/* cmd_traders.c: traders over the admin API: trader create | list | show |
 * update | deposit | withdraw. */
#include "cli.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Send obj (taken) as JSON. */
static int send_json(cli_opt *o, size_t n, const char *method, const char *path, json_t *obj)
{
    char *body = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    if (body == NULL) {
        fprintf(stderr, "kassa: out of memory or invalid UTF-8 in an option\n");
        return CLI_FAIL;
    }
    int rc = cli_admin_call(o, n, method, path, body);
    free(body);
    return rc;
}

/* Set key to the option's value: an integer where `integer`, else text. */
static int put(const cli_cmd *cmd, json_t *obj, const char *key, const char *v, bool integer)
{
    long n;
    if (v == NULL)
        return 0;
    if (!integer)
        return json_object_set_new(obj, key, json_string(v));
    if (cli_parse_long(v, 0, 0x7fffffffL, &n) != 0) {
        cli_usage_error(cmd, "--%s: expected a whole number", key);
        return -1;
    }
    return json_object_set_new(obj, key, json_integer(n));
}

int cmd_trader_create(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "the trader's name in kassa", 1, NULL, {0}, 0},
        {"verified-name",
         CLI_ARG,
         "NAME",
         NULL,
         "the name on the trader's documents",
         1,
         NULL,
         {0},
         0},
        {"reward-bps",
         CLI_ARG,
         "N",
         NULL,
         "reward, basis points of each received amount",
         1,
         NULL,
         {0},
         0},
        {"currency",
         CLI_ARG,
         "CODE",
         NULL,
         "the deposit's currency (default USDT)",
         0,
         NULL,
         {0},
         0},
        {"login", CLI_ARG, "LOGIN", NULL, "console sign-in (with --password)", 0, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_TRADER_PASSWORD",
         "console password, at least 12 characters",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd,
                       "--name N --verified-name V --reward-bps B [--currency C] "
                       "[--login L --password P]",
                       "Create a trader (POST /admin/v1/traders); prints it with its API "
                       "credentials, shown this once.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    json_t *obj = json_object();
    if (obj == NULL || put(cmd, obj, "name", cli_val(o, N(o), "name"), false) != 0 ||
        put(cmd, obj, "verified_name", cli_val(o, N(o), "verified-name"), false) != 0 ||
        put(cmd, obj, "reward_bps", cli_val(o, N(o), "reward-bps"), true) != 0 ||
        put(cmd, obj, "currency", cli_val(o, N(o), "currency"), false) != 0 ||
        put(cmd, obj, "login", cli_val(o, N(o), "login"), false) != 0 ||
        put(cmd, obj, "password", cli_val(o, N(o), "password"), false) != 0) {
        json_decref(obj);
        return CLI_USAGE;
    }
    return send_json(o, N(o), "POST", "/admin/v1/traders", obj);
}

int cmd_trader_update(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "a new name", 0, NULL, {0}, 0},
        {"reward-bps", CLI_ARG, "N", NULL, "a new reward", 0, NULL, {0}, 0},
        {"status",
         CLI_ARG,
         "active|suspended",
         NULL,
         "suspended: takes no orders",
         0,
         NULL,
         {0},
         0},
        {"online", CLI_ARG, "on|off", NULL, "whether the trader takes orders now", 0, NULL, {0}, 0},
        {"login", CLI_ARG, "LOGIN", NULL, "console sign-in (with --password)", 0, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_TRADER_PASSWORD",
         "console password, at least 12 characters",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[64];
    int rc = cli_parse(cmd,
                       "ID [--name N] [--reward-bps B] [--status S] [--online on|off] "
                       "[--login L --password P]",
                       "Change a trader (PATCH /admin/v1/traders/ID).", argc, argv, o, N(o), pos, 1,
                       &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "trader", &id)) >= 0)
        return rc;
    json_t *obj = json_object();
    const char *online = cli_val(o, N(o), "online");
    if (obj == NULL || put(cmd, obj, "name", cli_val(o, N(o), "name"), false) != 0 ||
        put(cmd, obj, "reward_bps", cli_val(o, N(o), "reward-bps"), true) != 0 ||
        put(cmd, obj, "status", cli_val(o, N(o), "status"), false) != 0 ||
        put(cmd, obj, "login", cli_val(o, N(o), "login"), false) != 0 ||
        put(cmd, obj, "password", cli_val(o, N(o), "password"), false) != 0) {
        json_decref(obj);
        return CLI_USAGE;
    }
    if (online != NULL)
        json_object_set_new(obj, "online",
                            strcmp(online, "on") == 0    ? json_true()
                            : strcmp(online, "off") == 0 ? json_false()
                                                         : json_string(online));
    snprintf(path, sizeof path, "/admin/v1/traders/%ld", id);
    return send_json(o, N(o), "PATCH", path, obj);
}

int cmd_trader_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--limit N] [--cursor C] [--order asc]",
                       "List traders (GET /admin/v1/traders).", argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/traders");
}

int cmd_trader_show(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    long id;
    char path[64];
    int rc = cli_parse(cmd, "ID",
                       "Print a trader with its balances: available, reserved, earned "
                       "(GET /admin/v1/traders/ID).",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "trader", &id)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/traders/%ld", id);
    return cli_admin_call(o, N(o), "GET", path, NULL);
}

static int money(const cli_cmd *cmd, int argc, char **argv, const char *what, const char *desc)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"amount",
         CLI_ARG,
         "AMOUNT",
         NULL,
         "in the trader's currency, e.g. 1000.50",
         1,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "ID --amount A", desc, argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "trader", &id)) >= 0)
        return rc;
    json_t *obj = json_object();
    if (obj != NULL)
        json_object_set_new(obj, "amount", json_string(cli_val(o, N(o), "amount")));
    snprintf(path, sizeof path, "/admin/v1/traders/%ld/%s", id, what);
    return send_json(o, N(o), "POST", path, obj);
}

int cmd_trader_deposit(const cli_cmd *cmd, int argc, char **argv)
{
    return money(cmd, argc, argv, "deposits",
                 "Record a deposit the trader made (POST /admin/v1/traders/ID/deposits).");
}

int cmd_trader_withdraw(const cli_cmd *cmd, int argc, char **argv)
{
    return money(cmd, argc, argv, "withdrawals",
                 "Pay a trader's money back (POST /admin/v1/traders/ID/withdrawals); refused "
                 "beyond the available balance.");
}

int cmd_merchant_user_create(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"merchant", CLI_ARG, "ID", NULL, "the merchant (a shop's merchant_id)", 1, NULL, {0}, 0},
        {"name", CLI_ARG, "NAME", NULL, "the user's name", 1, NULL, {0}, 0},
        {"login", CLI_ARG, "LOGIN", NULL, "console sign-in", 1, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_MERCHANT_PASSWORD",
         "console password, at least 12 characters",
         1,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "--merchant ID --name N --login L --password P",
                       "Add a merchant user who signs in to the console (POST "
                       "/admin/v1/merchants/ID/users); prints it as JSON.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    if (cli_parse_long(cli_val(o, N(o), "merchant"), 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "--merchant: expected a positive numeric merchant ID");
    snprintf(path, sizeof path, "/admin/v1/merchants/%ld/users", id);
    return cli_send_options(o, N(o), 3, "POST", path);
}

int cmd_merchant_user_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"merchant", CLI_ARG, "ID", NULL, "the merchant", 1, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "--merchant ID",
                       "List a merchant's users (GET /admin/v1/merchants/ID/users) as JSON.", argc,
                       argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    if (cli_parse_long(cli_val(o, N(o), "merchant"), 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "--merchant: expected a positive numeric merchant ID");
    snprintf(path, sizeof path, "/admin/v1/merchants/%ld/users", id);
    return cli_admin_get_query(o, N(o), 3, path);
}

int cmd_merchant_user_update(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"merchant", CLI_ARG, "ID", NULL, "the user's merchant", 1, NULL, {0}, 0},
        {"name", CLI_ARG, "NAME", NULL, "a new name", 0, NULL, {0}, 0},
        {"disabled", CLI_ARG, "on|off", NULL, "on: switched off, signed out", 0, NULL, {0}, 0},
        {"login", CLI_ARG, "LOGIN", NULL, "a new login (with --password)", 0, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_MERCHANT_PASSWORD",
         "a new console password",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id, merchant;
    char path[96];
    int rc = cli_parse(cmd, "ID --merchant M [--name N] [--disabled on|off] [--password P]",
                       "Change a merchant user (PATCH /admin/v1/merchants/M/users/ID); prints it "
                       "as JSON.",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "merchant user", &id)) >= 0)
        return rc;
    if (cli_parse_long(cli_val(o, N(o), "merchant"), 1, 0x7fffffffL, &merchant) != 0)
        return cli_usage_error(cmd, "--merchant: expected a positive numeric merchant ID");
    snprintf(path, sizeof path, "/admin/v1/merchants/%ld/users/%ld", merchant, id);
    return cli_send_options(o, N(o), 3, "PATCH", path);
}
