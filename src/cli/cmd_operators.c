/* cmd_operators.c: operators, their API tokens and the audit log over the
 * admin API: operator create | list | update, token create | list |
 * revoke, audit list, whoami; and shop rotate (a shop's credentials). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

int cmd_operator_create(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "the operator's name", 1, NULL, {0}, 0},
        {"role",
         CLI_ARG,
         "ROLE",
         NULL,
         "owner, admin, support, finance or viewer",
         1,
         NULL,
         {0},
         0},
        {"login", CLI_ARG, "LOGIN", NULL, "console sign-in (with --password)", 0, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_OPERATOR_PASSWORD",
         "console password, at least 12 characters",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "--name N --role R [--login L --password P]",
                       "Create an operator (POST /admin/v1/operators); prints it as JSON. Give it "
                       "a token with `kassa token create`.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_send_options(o, N(o), 2, "POST", "/admin/v1/operators");
}

int cmd_operator_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS, PAGE_OPTS};
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--limit N] [--cursor C] [--order asc]",
                       "List operators (GET /admin/v1/operators); prints {\"items\", "
                       "\"next_cursor\"} as JSON.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/operators");
}

int cmd_operator_update(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "a new name", 0, NULL, {0}, 0},
        {"role",
         CLI_ARG,
         "ROLE",
         NULL,
         "owner, admin, support, finance or viewer",
         0,
         NULL,
         {0},
         0},
        {"disabled",
         CLI_ARG,
         "on|off",
         NULL,
         "on: switched off, its tokens refused",
         0,
         NULL,
         {0},
         0},
        {"login", CLI_ARG, "LOGIN", NULL, "console sign-in (with --password)", 0, NULL, {0}, 0},
        {"password",
         CLI_ARG,
         "PASSWORD",
         "KASSA_OPERATOR_PASSWORD",
         "a new console password",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[64];
    int rc = cli_parse(cmd, "ID [--name N] [--role R] [--disabled on|off] [--login L --password P]",
                       "Change an operator (PATCH /admin/v1/operators/ID); prints it as JSON.",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "operator", &id)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/operators/%ld", id);
    return cli_send_options(o, N(o), 2, "PATCH", path);
}

int cmd_token_create(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"operator", CLI_ARG, "ID", NULL, "the operator the token acts as", 1, NULL, {0}, 0},
        {"name", CLI_ARG, "NAME", NULL, "what the token is for (e.g. the host)", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "--operator ID [--name N]",
                       "Issue an API token (POST /admin/v1/operators/ID/tokens); prints {\"id\", "
                       "\"token\"} as JSON. The token is shown this once: kassad keeps only its "
                       "hash.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    if (cli_parse_long(cli_val(o, N(o), "operator"), 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "--operator: expected a positive numeric operator ID");
    snprintf(path, sizeof path, "/admin/v1/operators/%ld/tokens", id);
    return cli_send_options(o, N(o), 3, "POST", path);
}

int cmd_token_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"operator", CLI_ARG, "ID", NULL, "whose tokens", 1, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "--operator ID [--limit N] [--cursor C] [--order asc]",
                       "List an operator's tokens (GET /admin/v1/operators/ID/tokens): names, "
                       "times created, last used and revoked, never the tokens.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    if (cli_parse_long(cli_val(o, N(o), "operator"), 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "--operator: expected a positive numeric operator ID");
    snprintf(path, sizeof path, "/admin/v1/operators/%ld/tokens", id);
    return cli_admin_get_query(o, N(o), 3, path);
}

int cmd_token_revoke(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    long id;
    char path[64];
    int rc = cli_parse(cmd, "ID",
                       "Revoke an API token (DELETE /admin/v1/tokens/ID): it stops working at "
                       "once. Any operator may revoke their own; an owner anyone's.",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "token", &id)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/tokens/%ld", id);
    return cli_admin_call(o, N(o), "DELETE", path, NULL);
}

int cmd_audit_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"actor",
         CLI_ARG,
         "ID",
         NULL,
         "an operator's id (0: the bootstrap token)",
         0,
         NULL,
         {0},
         0},
        {"action",
         CLI_ARG,
         "ACTION",
         NULL,
         "e.g. shop.update, or shop. for every shop action",
         0,
         NULL,
         {0},
         0},
        {"kind", CLI_ARG, "KIND", NULL, "the record's kind: shop, order, ...", 0, NULL, {0}, 0},
        {"target", CLI_ARG, "ID", NULL, "the record's id (with --kind)", 0, NULL, {0}, 0},
        {"from", CLI_ARG, "TIME", NULL, "at or after (RFC 3339 or Unix seconds)", 0, NULL, {0}, 0},
        {"to", CLI_ARG, "TIME", NULL, "before (RFC 3339 or Unix seconds)", 0, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--actor ID] [--action A] [--kind K --target ID] [--from T] [--to T]",
                       "List the audit log (GET /admin/v1/audit), newest first: who changed what, "
                       "with the record before and after.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/audit");
}

int cmd_whoami(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "", "Print the operator and role the admin token acts as.", argc, argv,
                       o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_call(o, N(o), "GET", "/admin/v1/me", NULL);
}

int cmd_shop_rotate(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"dialect", CLI_ARG, "panda|tegro", NULL, "whose credentials", 1, NULL, {0}, 0},
        {"overlap-seconds",
         CLI_ARG,
         "N",
         NULL,
         "how long the current pair keeps working (default 86400; 0: stops now)",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    long id, overlap = 86400;
    char path[64], body[160];
    int rc = cli_parse(cmd, "ID --dialect panda|tegro [--overlap-seconds N]",
                       "Rotate a shop's credentials of one dialect (POST "
                       "/admin/v1/shops/ID/rotate); prints the new pair as JSON, this once, and "
                       "until when the current pair keeps working.",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "shop", &id)) >= 0)
        return rc;
    const char *dialect = cli_val(o, N(o), "dialect");
    const char *ov = cli_val(o, N(o), "overlap-seconds");
    if (ov != NULL && cli_parse_long(ov, 0, 0x7fffffffL, &overlap) != 0)
        return cli_usage_error(cmd, "--overlap-seconds: expected a number of seconds");
    for (const char *p = dialect; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return cli_usage_error(cmd, "--dialect: expected a dialect's name, e.g. panda");
    snprintf(path, sizeof path, "/admin/v1/shops/%ld/rotate", id);
    snprintf(body, sizeof body, "{\"dialect\":\"%.64s\",\"overlap_seconds\":%ld}", dialect,
             overlap);
    return cli_admin_call(o, N(o), "POST", path, body);
}
