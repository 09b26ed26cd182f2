/* cmd_admin.c: operator commands over kassad's admin API (JSON, Bearer
 * token): shop create | update, requisite add, order show | complete | fail,
 * withdrawal show | complete | reject, shop balances, ledger verify, backup. */
#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Send method path (body: JSON text or NULL) to the admin API; print the
 * answer; CLI_OK on 2xx, CLI_FAIL otherwise. With `answer`, a 2xx answer is
 * also parsed into *answer (the caller owns it; NULL when not JSON). */
static int admin_call_answer(cli_opt *o, size_t n, const char *method, const char *path,
                             const char *body, json_t **answer)
{
    kassa_request req = {0};
    kassa_response resp = {0};
    kassa_error err = {0};
    kassa_http *http = NULL;
    char *url = NULL;
    char *auth = NULL;
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
    if (body && (kassa_request_set_body(&req, body, strlen(body)) != KASSA_OK ||
                 kassa_request_add_header(&req, "Content-Type", "application/json") != KASSA_OK))
        goto oom;
    http = kassa_http_new();
    if (!http)
        goto oom;
    if (kassa_http_send(http, &req, &resp, &err) != KASSA_OK) {
        rc = cli_report(&err);
        goto out;
    }
    if (resp.status / 100 == 2) {
        if (resp.body_len)
            printf("%s\n", resp.body);
        if (answer)
            *answer = json_loadb(resp.body, resp.body_len, 0, NULL);
        rc = CLI_OK;
    } else {
        json_t *root = json_loadb(resp.body, resp.body_len, 0, NULL);
        json_t *msg = json_is_object(root) ? json_object_get(root, "error") : NULL;
        fprintf(stderr, "kassa: HTTP %ld %s: %s\n", resp.status, resp.reason,
                json_is_string(msg) ? json_string_value(msg) : resp.body);
        json_decref(root);
        rc = CLI_FAIL;
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

int cli_admin_call(cli_opt *o, size_t n, const char *method, const char *path, const char *body)
{
    return admin_call_answer(o, n, method, path, body, NULL);
}

char *cli_query_url(cli_opt *o, size_t n, size_t first, const char *path)
{
    size_t cap = strlen(path) + 2, at;
    for (size_t i = first; i < n; i++)
        if (o[i].value)
            cap += strlen(o[i].name) + 3 * strlen(o[i].value) + 2;
    char *url = malloc(cap);
    if (!url)
        return NULL;
    at = (size_t)snprintf(url, cap, "%s", path);
    bool first_arg = true;
    for (size_t i = first; i < n; i++) {
        if (!o[i].value)
            continue;
        char *esc = curl_easy_escape(NULL, o[i].value, 0);
        if (!esc) {
            free(url);
            return NULL;
        }
        url[at] = first_arg ? '?' : '&';
        at++;
        first_arg = false;
        for (const char *c = o[i].name; *c; c++)
            url[at++] = *c == '-' ? '_' : *c;
        at += (size_t)snprintf(url + at, cap - at, "=%s", esc);
        curl_free(esc);
    }
    url[at] = '\0';
    return url;
}

/* Build a JSON object from the string options given (from o[first] on)
 * whose names map to keys ("callback-url" -> "callback_url") and call
 * `method path` with it. */
int cli_send_options(cli_opt *o, size_t n, size_t first, const char *method, const char *path)
{
    json_t *obj = json_object();
    char *body = NULL;
    int rc;

    if (!obj)
        return CLI_FAIL;
    for (size_t i = first; i < n; i++) {
        char key[64];
        if (!o[i].value)
            continue;
        snprintf(key, sizeof key, "%s", o[i].name);
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        if (strcmp(key, "allowed_hosts") == 0) {
            /* "a.example,b.example" -> ["a.example","b.example"] ("": none) */
            json_t *arr = json_array();
            for (const char *p = o[i].value; arr && *p;) {
                size_t len = strcspn(p, ",");
                if (len > 0)
                    json_array_append_new(arr, json_stringn(p, len));
                p += len;
                if (*p == ',')
                    p++;
            }
            json_object_set_new(obj, key, arr);
            continue;
        }
        if ((strcmp(key, "strict_signing") == 0 || strcmp(key, "active") == 0 ||
             strcmp(key, "disabled") == 0 || strcmp(key, "test_mode") == 0) &&
            (strcmp(o[i].value, "on") == 0 || strcmp(o[i].value, "off") == 0)) {
            /* on|off -> a JSON boolean (anything else goes as given, for
             * kassad to refuse with its message) */
            json_object_set_new(obj, key, json_boolean(strcmp(o[i].value, "on") == 0));
            continue;
        }
        json_object_set_new(obj, key, json_string(o[i].value));
    }
    body = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(obj);
    if (!body) {
        fprintf(stderr, "kassa: out of memory or invalid UTF-8 in an option\n");
        return CLI_FAIL;
    }
    rc = cli_admin_call(o, n, method, path, body);
    free(body);
    return rc;
}

static int post_options(cli_opt *o, size_t n, size_t first, const char *path)
{
    return cli_send_options(o, n, first, "POST", path);
}

int cmd_shop_create(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "the shop's name", 1, NULL, {0}, 0},
        {"url", CLI_ARG, "URL", NULL, "the shop's site", 1, NULL, {0}, 0},
        {"callback-url", CLI_ARG, "URL", NULL, "where callbacks go", 1, NULL, {0}, 0},
        {"fee-percent", CLI_ARG, "PERCENT", NULL, "the tariff, e.g. 2.5", 0, NULL, {0}, 0},
        {"merchant-id", CLI_ARG, "ID", NULL, "group the shop under this merchant", 0, NULL, {0}, 0},
        {"notification-format",
         CLI_ARG,
         "form|json",
         NULL,
         "tegro payment notifications as a form (default) or as JSON",
         0,
         NULL,
         {0},
         0},
        {"strict-signing",
         CLI_ARG,
         "on|off",
         NULL,
         "on: the shop's panda requests must use X-Signature-Mode: strict",
         0,
         NULL,
         {0},
         0},
        {"test-mode",
         CLI_ARG,
         "on|off",
         NULL,
         "on: every order of the shop is a test order (sandbox, no money moves)",
         0,
         NULL,
         {0},
         0},
        {"logo-url",
         CLI_ARG,
         "URL",
         NULL,
         "the payer page's logo: an https URL (\"\": none)",
         0,
         NULL,
         {0},
         0},
        {"brand-color",
         CLI_ARG,
         "#RRGGBB",
         NULL,
         "the payer page's colour (\"\": the default)",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd,
                       "--name N --url U --callback-url C [--fee-percent P] "
                       "[--merchant-id M] [--notification-format form|json] "
                       "[--strict-signing on|off] [--test-mode on|off] [--logo-url URL] "
                       "[--brand-color #RRGGBB]",
                       "Create a shop (POST /admin/v1/shops); prints its id, shop_id and both "
                       "dialects' credentials as JSON.",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    return post_options(o, N(o), 2, "/admin/v1/shops");
}

int cmd_shop_update(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"name", CLI_ARG, "NAME", NULL, "the shop's name", 0, NULL, {0}, 0},
        {"url", CLI_ARG, "URL", NULL, "the shop's site", 0, NULL, {0}, 0},
        {"callback-url", CLI_ARG, "URL", NULL, "where callbacks go", 0, NULL, {0}, 0},
        {"fee-percent", CLI_ARG, "PERCENT", NULL, "the tariff, e.g. 2.5", 0, NULL, {0}, 0},
        {"notification-format",
         CLI_ARG,
         "form|json",
         NULL,
         "tegro payment notifications as a form or as JSON",
         0,
         NULL,
         {0},
         0},
        {"allowed-hosts",
         CLI_ARG,
         "HOSTS",
         NULL,
         "further hosts the hosted form's URLs may name, comma-separated (\"\": none)",
         0,
         NULL,
         {0},
         0},
        {"strict-signing",
         CLI_ARG,
         "on|off",
         NULL,
         "on: the shop's panda requests must use X-Signature-Mode: strict",
         0,
         NULL,
         {0},
         0},
        {"test-mode",
         CLI_ARG,
         "on|off",
         NULL,
         "on: every order of the shop is a test order (sandbox, no money moves)",
         0,
         NULL,
         {0},
         0},
        {"logo-url",
         CLI_ARG,
         "URL",
         NULL,
         "the payer page's logo: an https URL (\"\": none)",
         0,
         NULL,
         {0},
         0},
        {"brand-color",
         CLI_ARG,
         "#RRGGBB",
         NULL,
         "the payer page's colour (\"\": the default)",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    char path[64];
    long id;
    int rc = cli_parse(cmd,
                       "ID [--name N] [--url U] [--callback-url C] [--fee-percent P] "
                       "[--notification-format form|json] [--allowed-hosts H1,H2] "
                       "[--strict-signing on|off] [--test-mode on|off] [--logo-url URL] "
                       "[--brand-color #RRGGBB]",
                       "Change a shop's settings (PATCH /admin/v1/shops/ID): only the options "
                       "given change; prints the shop as JSON (without its credentials).",
                       argc, argv, o, N(o), pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1 || cli_parse_long(pos[0], 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "expected one positive numeric shop ID");
    size_t given = 0;
    for (size_t i = 2; i < N(o); i++)
        given += o[i].value != NULL;
    if (given == 0)
        return cli_usage_error(cmd, "nothing to change: give at least one option");
    snprintf(path, sizeof path, "/admin/v1/shops/%ld", id);
    return cli_send_options(o, N(o), 2, "PATCH", path);
}

int cmd_requisite_add(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"type", CLI_ARG, "TYPE", NULL, "SBP, card, ...", 1, NULL, {0}, 0},
        {"requisite", CLI_ARG, "VALUE", NULL, "phone number, card number, ...", 1, NULL, {0}, 0},
        {"owner-full-name", CLI_ARG, "NAME", NULL, "the holder's name", 0, NULL, {0}, 0},
        {"bank-code", CLI_ARG, "CODE", NULL, "e.g. Sber", 0, NULL, {0}, 0},
        {"bank-name-ru", CLI_ARG, "NAME", NULL, "the bank's name in Russian", 0, NULL, {0}, 0},
        {"bank-name-en", CLI_ARG, "NAME", NULL, "the bank's name in English", 0, NULL, {0}, 0},
        {"currency", CLI_ARG, "CODE", NULL, "e.g. RUB", 0, NULL, {0}, 0},
        {"country-code", CLI_ARG, "CODE", NULL, "e.g. RUS", 0, NULL, {0}, 0},
        {"bic", CLI_ARG, "BIC", NULL, "an account's bank BIC, 9 digits", 0, NULL, {0}, 0},
        {"corr-account",
         CLI_ARG,
         "ACCOUNT",
         NULL,
         "an account's bank correspondent account, 20 digits",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "--type T --requisite R [options]",
                       "Add a requisite to the pool (POST /admin/v1/requisites); prints its id.",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    return post_options(o, N(o), 2, "/admin/v1/requisites");
}

int cmd_requisite_update(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"active", CLI_ARG, "on|off", NULL, "off: it takes no new orders", 0, NULL, {0}, 0},
        {"owner-full-name", CLI_ARG, "NAME", NULL, "the holder's name", 0, NULL, {0}, 0},
        {"bank-code", CLI_ARG, "CODE", NULL, "e.g. Sber", 0, NULL, {0}, 0},
        {"bank-name-ru", CLI_ARG, "NAME", NULL, "the bank's name in Russian", 0, NULL, {0}, 0},
        {"bank-name-en", CLI_ARG, "NAME", NULL, "the bank's name in English", 0, NULL, {0}, 0},
        {"country-code", CLI_ARG, "CODE", NULL, "e.g. RUS", 0, NULL, {0}, 0},
        {"bic", CLI_ARG, "BIC", NULL, "an account's bank BIC, 9 digits", 0, NULL, {0}, 0},
        {"corr-account",
         CLI_ARG,
         "ACCOUNT",
         NULL,
         "an account's bank correspondent account, 20 digits",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    char path[64];
    long id;
    int rc = cli_parse(cmd, "ID [--active on|off] [--owner-full-name N] [--bank-code C] ...",
                       "Change a requisite (PATCH /admin/v1/requisites/ID): only the options "
                       "given change; its type, number and currency never do. Prints it as JSON.",
                       argc, argv, o, N(o), pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1 || cli_parse_long(pos[0], 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "expected one positive numeric requisite ID");
    snprintf(path, sizeof path, "/admin/v1/requisites/%ld", id);
    return cli_send_options(o, N(o), 2, "PATCH", path);
}

/* order show|complete|fail|reverse REF; a POST's body holds the options
 * after ADMIN_OPTS that were given (complete's --amount-received). */
static int order_cmd_opts(const cli_cmd *cmd, int argc, char **argv, const char *method,
                          const char *suffix, const char *usage, const char *desc, cli_opt *o,
                          size_t n)
{
    char *pos[1];
    size_t npos;
    char *esc = NULL;
    char *path = NULL;
    int rc = cli_parse(cmd, usage, desc, argc, argv, o, n, pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1 || !pos[0][0])
        return cli_usage_error(cmd, "missing REF (the order's uuid or numeric id)");
    esc = curl_easy_escape(NULL, pos[0], 0);
    if (!esc || asprintf(&path, "/admin/v1/orders/%s%s", esc, suffix) < 0) {
        curl_free(esc);
        fprintf(stderr, "kassa: out of memory\n");
        return CLI_FAIL;
    }
    if (strcmp(method, "POST") == 0)
        rc = cli_send_options(o, n, 2, method, path);
    else
        rc = cli_admin_call(o, n, method, path, NULL);
    curl_free(esc);
    free(path);
    return rc;
}

static int order_cmd(const cli_cmd *cmd, int argc, char **argv, const char *method,
                     const char *suffix, const char *desc)
{
    cli_opt o[] = {ADMIN_OPTS};
    return order_cmd_opts(cmd, argc, argv, method, suffix, "REF [--server URL --admin-token T]",
                          desc, o, N(o));
}

int cmd_order_show(const cli_cmd *cmd, int argc, char **argv)
{
    return order_cmd(cmd, argc, argv, "GET", "",
                     "Print an order (GET /admin/v1/orders/REF); REF is its uuid or id.");
}

/* GET path?<each option given, as name=value> ("--shop-id 7" -> shop_id=7). */
int cli_admin_get_query(cli_opt *o, size_t n, size_t first, const char *path)
{
    char *url = cli_query_url(o, n, first, path);
    if (!url) {
        fprintf(stderr, "kassa: out of memory\n");
        return CLI_FAIL;
    }
    int rc = cli_admin_call(o, n, "GET", url, NULL);
    free(url);
    return rc;
}

int cmd_order_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"status",
         CLI_ARG,
         "STATUS",
         NULL,
         "pending, completed, failed, expired, canceled, no_requisite, reversed",
         0,
         NULL,
         {0},
         0},
        {"shop-id", CLI_ARG, "ID", NULL, "one shop's orders", 0, NULL, {0}, 0},
        {"merchant-id", CLI_ARG, "ID", NULL, "one merchant's orders", 0, NULL, {0}, 0},
        {"dialect", CLI_ARG, "NAME", NULL, "orders made through panda or tegro", 0, NULL, {0}, 0},
        {"from",
         CLI_ARG,
         "TIME",
         NULL,
         "created at or after (RFC 3339 or Unix seconds)",
         0,
         NULL,
         {0},
         0},
        {"to", CLI_ARG, "TIME", NULL, "created before", 0, NULL, {0}, 0},
        {"requisite-id", CLI_ARG, "ID", NULL, "orders given this requisite", 0, NULL, {0}, 0},
        {"confirmed-by-customer",
         CLI_ARG,
         "true|false",
         NULL,
         "whether the payer says they paid",
         0,
         NULL,
         {0},
         0},
        {"currency",
         CLI_ARG,
         "CODE",
         NULL,
         "one currency (needed by the amount bounds)",
         0,
         NULL,
         {0},
         0},
        {"amount-min", CLI_ARG, "AMOUNT", NULL, "at least this amount", 0, NULL, {0}, 0},
        {"amount-max", CLI_ARG, "AMOUNT", NULL, "at most this amount", 0, NULL, {0}, 0},
        {"merchant-order-id", CLI_ARG, "ID", NULL, "the merchant's order id", 0, NULL, {0}, 0},
        {"q", CLI_ARG, "TEXT", NULL, "an order's uuid, id or merchant order id", 0, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc =
        cli_parse(cmd, "[--status S] [--shop-id ID] ... [--limit N] [--cursor C] [--order asc]",
                  "List orders (GET /admin/v1/orders), newest first; prints {\"items\", "
                  "\"next_cursor\"} as JSON. The operator's daily queue: --status pending "
                  "--confirmed-by-customer true --order asc.",
                  argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/orders");
}

int cmd_withdrawal_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"status", CLI_ARG, "STATUS", NULL, "pending, completed or rejected", 0, NULL, {0}, 0},
        {"shop-id", CLI_ARG, "ID", NULL, "one shop's withdrawals", 0, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--status S] [--shop-id ID] [--limit N] [--cursor C] [--order asc]",
                       "List withdrawals (GET /admin/v1/withdrawals): without --status the "
                       "pending ones first, then the decided ones; prints {\"items\", "
                       "\"next_cursor\"} as JSON.",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/withdrawals");
}

int cmd_order_complete(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"amount-received",
         CLI_ARG,
         "AMOUNT",
         NULL,
         "the amount actually received, in the order's currency (default: its amount)",
         0,
         NULL,
         {0},
         0},
    };
    return order_cmd_opts(cmd, argc, argv, "POST", "/complete",
                          "REF [--amount-received AMOUNT] [--server URL --admin-token T]",
                          "Mark an order paid (POST /admin/v1/orders/REF/complete); with "
                          "--amount-received the ledger, the fee and the merchant's callback use "
                          "the amount actually received.",
                          o, N(o));
}

int cmd_order_reverse(const cli_cmd *cmd, int argc, char **argv)
{
    return order_cmd(cmd, argc, argv, "POST", "/reverse",
                     "Reverse a completed order (POST /admin/v1/orders/REF/reverse): the "
                     "merchant's credit is taken back (its balance may go below zero, which "
                     "refuses withdrawals until covered) and the merchant is told by callback.");
}

int cmd_order_fail(const cli_cmd *cmd, int argc, char **argv)
{
    return order_cmd(cmd, argc, argv, "POST", "/fail",
                     "Mark an order failed (POST /admin/v1/orders/REF/fail).");
}

/* withdrawal show|complete|reject ID, shop balances ID: one numeric id. */
static int id_cmd(const cli_cmd *cmd, int argc, char **argv, const char *method, const char *fmt,
                  const char *desc)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    char path[128];
    long id;
    int rc = cli_parse(cmd, "ID [--server URL --admin-token T]", desc, argc, argv, o, N(o), pos, 1,
                       &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1 || cli_parse_long(pos[0], 1, 0x7fffffffL, &id) != 0)
        return cli_usage_error(cmd, "expected one positive numeric ID");
    snprintf(path, sizeof path, fmt, id);
    return cli_admin_call(o, N(o), method, path, strcmp(method, "POST") == 0 ? "{}" : NULL);
}

int cmd_withdrawal_show(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "GET", "/admin/v1/withdrawals/%ld",
                  "Print a withdrawal (GET /admin/v1/withdrawals/ID).");
}

int cmd_withdrawal_complete(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "POST", "/admin/v1/withdrawals/%ld/complete",
                  "Mark a withdrawal paid out: held -> payouts "
                  "(POST /admin/v1/withdrawals/ID/complete). Refused a second time.");
}

int cmd_withdrawal_reject(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "POST", "/admin/v1/withdrawals/%ld/reject",
                  "Reject a withdrawal: held -> available "
                  "(POST /admin/v1/withdrawals/ID/reject). Refused a second time.");
}

int cmd_shop_disable(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "POST", "/admin/v1/shops/%ld/disable",
                  "Switch a shop off (POST /admin/v1/shops/ID/disable): its merchant calls are "
                  "refused; its pending orders run their course.");
}

int cmd_shop_enable(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "POST", "/admin/v1/shops/%ld/enable",
                  "Switch a shop back on (POST /admin/v1/shops/ID/enable).");
}

int cmd_shop_balances(const cli_cmd *cmd, int argc, char **argv)
{
    return id_cmd(cmd, argc, argv, "GET", "/admin/v1/shops/%ld/balances",
                  "Print a shop's available and held balances per currency "
                  "(GET /admin/v1/shops/ID/balances).");
}

int cmd_ledger_verify(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    json_t *answer = NULL;
    int rc = cli_parse(cmd, "[--server URL --admin-token T]",
                       "Recompute every account from its postings, check every transaction sums "
                       "to zero and no shop account is negative (GET /admin/v1/ledger/verify). "
                       "Prints the report; exits 0 only when the ledger is ok, 1 otherwise.",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    rc = admin_call_answer(o, N(o), "GET", "/admin/v1/ledger/verify", NULL, &answer);
    if (rc == CLI_OK && !json_is_true(json_object_get(answer, "ok"))) {
        fprintf(stderr, "kassa: the ledger is NOT consistent\n");
        rc = CLI_FAIL;
    }
    json_decref(answer);
    return rc;
}

/* ---- backup: POST /admin/v1/backup into a file ---------------------------
 * The answer (a copy of kassad's SQLite database) goes into FILE.tmp-XXXXXX
 * beside FILE as it arrives (any size, constant memory), is checked (an
 * SQLite header, a size of whole pages that the header agrees with),
 * fsync'ed and renamed over FILE: FILE is always either what it was or the
 * whole new copy. */

#define BACKUP_ERROR_MAX 4096 /* bytes of a refusal's body kept */
#define SQLITE_HEADER_SIZE 100

struct backup_sink {
    CURL *curl;
    int fd;
    long status;
    char reason[64];
    char at[40]; /* X-Kassa-Backup-At */
    char pages[24];
    char ms[24];
    curl_off_t bytes;
    unsigned char head[SQLITE_HEADER_SIZE];
    char error[BACKUP_ERROR_MAX + 1];
    size_t error_len;
    int write_errno;
};

static void header_value(const char *line, size_t n, const char *name, char *out, size_t size)
{
    size_t k = strlen(name);
    if (n <= k + 1 || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return;
    const char *v = line + k + 1;
    size_t len = n - k - 1;
    while (len > 0 && (*v == ' ' || *v == '\t'))
        v++, len--;
    while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
        len--;
    snprintf(out, size, "%.*s", (int)len, v);
}

static size_t backup_header(char *line, size_t size, size_t nitems, void *arg)
{
    struct backup_sink *s = arg;
    size_t n = size * nitems;
    if (n > 9 && strncmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', n);
        const char *sp2 = sp != NULL ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - line)) : NULL;
        s->reason[0] = '\0';
        if (sp2 != NULL) {
            size_t len = n - (size_t)(sp2 + 1 - line);
            while (len > 0 && (sp2[len] == '\r' || sp2[len] == '\n'))
                len--;
            snprintf(s->reason, sizeof s->reason, "%.*s", (int)len, sp2 + 1);
        }
    }
    header_value(line, n, "X-Kassa-Backup-At", s->at, sizeof s->at);
    header_value(line, n, "X-Kassa-Backup-Pages", s->pages, sizeof s->pages);
    header_value(line, n, "X-Kassa-Backup-Ms", s->ms, sizeof s->ms);
    return n;
}

static size_t backup_body(char *data, size_t size, size_t nitems, void *arg)
{
    struct backup_sink *s = arg;
    size_t n = size * nitems;
    if (s->status == 0)
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->status / 100 != 2) {
        size_t room = BACKUP_ERROR_MAX - s->error_len;
        size_t k = n < room ? n : room;
        memcpy(s->error + s->error_len, data, k);
        s->error_len += k;
        s->error[s->error_len] = '\0';
        return n;
    }
    if (s->bytes < SQLITE_HEADER_SIZE) {
        size_t k = SQLITE_HEADER_SIZE - (size_t)s->bytes;
        memcpy(s->head + s->bytes, data, n < k ? n : k);
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(s->fd, data + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->write_errno = w < 0 ? errno : EIO;
            return 0; /* curl stops: CURLE_WRITE_ERROR */
        }
        off += (size_t)w;
    }
    s->bytes += (curl_off_t)n;
    return n;
}

/* Whether the copy looks whole: SQLite's magic, and a size that is the
 * header's page count times its page size. msg says what is wrong. */
static bool backup_looks_whole(const struct backup_sink *s, char *msg, size_t size)
{
    static const char magic[16] = "SQLite format 3";
    if (s->bytes < SQLITE_HEADER_SIZE || memcmp(s->head, magic, sizeof magic) != 0) {
        snprintf(msg, size, "the answer is not an SQLite database (%lld bytes)",
                 (long long)s->bytes);
        return false;
    }
    long page = (long)s->head[16] << 8 | s->head[17];
    if (page == 1)
        page = 65536;
    unsigned long long pages = (unsigned long long)s->head[28] << 24 |
                               (unsigned long long)s->head[29] << 16 |
                               (unsigned long long)s->head[30] << 8 | s->head[31];
    if (page < 512 || (page & (page - 1)) != 0 || (unsigned long long)s->bytes != pages * page) {
        snprintf(msg, size,
                 "the copy is cut short: %lld bytes, the header says %llu pages of %ld bytes",
                 (long long)s->bytes, pages, page);
        return false;
    }
    return true;
}

/* fsync the directory holding path, so a rename in it is durable. */
static int sync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    snprintf(dir, sizeof dir, "%.*s",
             slash == NULL   ? 1
             : slash == path ? 1
                             : (int)(slash - path),
             slash == NULL ? "." : path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int cmd_backup(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"to", CLI_ARG, "FILE", NULL, "where the copy goes (replaced atomically)", 1, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "--to FILE [--server URL --admin-token T]",
                       "Copy kassad's SQLite database while it runs (POST /admin/v1/backup) into "
                       "FILE: written beside it, checked (SQLite header, whole pages), fsync'ed "
                       "and renamed over FILE. Prints one line: the file, its size, the moment "
                       "the copy shows. A PostgreSQL kassad refuses: use pg_dump "
                       "(docs/BACKUP.md).",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    const char *to = cli_val(o, N(o), "to");
    const char *server = cli_val(o, N(o), "server");
    size_t sl = strlen(server);
    while (sl > 0 && server[sl - 1] == '/')
        sl--;
    char *url = NULL, *auth = NULL, *tmp = NULL;
    struct curl_slist *hdrs = NULL;
    struct backup_sink *s = calloc(1, sizeof *s);
    char msg[512];
    rc = CLI_FAIL;
    if (s == NULL || asprintf(&url, "%.*s/admin/v1/backup", (int)sl, server) < 0 ||
        asprintf(&auth, "Authorization: Bearer %s", cli_val(o, N(o), "admin-token")) < 0 ||
        asprintf(&tmp, "%s.tmp-XXXXXX", to) < 0) {
        fprintf(stderr, "kassa: out of memory\n");
        free(s);
        return CLI_FAIL;
    }
    s->fd = mkostemp(tmp, O_CLOEXEC);
    if (s->fd < 0) {
        fprintf(stderr, "kassa: cannot create %s: %s\n", tmp, strerror(errno));
        goto out_free;
    }
    s->curl = curl_easy_init();
    hdrs = curl_slist_append(NULL, auth);
    if (s->curl == NULL || hdrs == NULL) {
        fprintf(stderr, "kassa: out of memory\n");
        goto out;
    }
    char curl_err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->curl, CURLOPT_POST, 1L);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(s->curl, CURLOPT_HEADERFUNCTION, backup_header);
    curl_easy_setopt(s->curl, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, backup_body);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode cc = curl_easy_perform(s->curl);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
    if (cc != CURLE_OK && s->status / 100 == 2) {
        if (s->write_errno != 0)
            fprintf(stderr, "kassa: cannot write %s: %s\n", tmp, strerror(s->write_errno));
        else
            fprintf(stderr, "kassa: the backup was cut short after %lld bytes: %s\n",
                    (long long)s->bytes, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    if (cc != CURLE_OK) {
        fprintf(stderr, "kassa: %s: %s\n", url, curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    if (s->status / 100 != 2) {
        json_t *root = json_loads(s->error, 0, NULL);
        json_t *m = json_is_object(root) ? json_object_get(root, "error") : NULL;
        fprintf(stderr, "kassa: HTTP %ld %s: %s\n", s->status, s->reason,
                json_is_string(m) ? json_string_value(m) : s->error);
        json_decref(root);
        goto out;
    }
    if (!backup_looks_whole(s, msg, sizeof msg)) {
        fprintf(stderr, "kassa: %s; %s is unchanged\n", msg, to);
        goto out;
    }
    if (fsync(s->fd) != 0 || close(s->fd) != 0) {
        s->fd = -1;
        fprintf(stderr, "kassa: cannot write %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    s->fd = -1;
    if (rename(tmp, to) != 0) {
        fprintf(stderr, "kassa: cannot rename %s to %s: %s\n", tmp, to, strerror(errno));
        goto out;
    }
    if (sync_dir_of(to) != 0)
        fprintf(stderr, "kassa: warning: cannot sync the directory of %s: %s\n", to,
                strerror(errno));
    printf("backup: %s: %lld bytes, %s pages, the database as of %s (copied in %s ms)\n", to,
           (long long)s->bytes, s->pages[0] ? s->pages : "?", s->at[0] ? s->at : "?",
           s->ms[0] ? s->ms : "?");
    rc = CLI_OK;
out:
    if (s->fd >= 0)
        close(s->fd);
    if (rc != CLI_OK)
        unlink(tmp);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(s->curl);
out_free:
    free(s);
    free(url);
    free(auth);
    free(tmp);
    return rc;
}
