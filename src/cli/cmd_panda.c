/* cmd_panda.c: kassa panda create-order | order | cancel: the merchant
 * side of the panda dialect, on libkassa's kassa_panda client. */
#include "cli.h"

#include <stdio.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define PANDA_CREDS                                                                                \
    {"host", CLI_ARG, "URL", "API_HOST", "the gateway, e.g. http://127.0.0.1:8080",                \
     1,      NULL,    {0},   0},                                                                   \
        {"api-key", CLI_ARG, "KEY", "API_KEY", "the shop's panda API key", 1, NULL, {0}, 0},       \
        {"secret", CLI_ARG, "SECRET", "SECRET_KEY", "the shop's panda secret", 1, NULL, {0}, 0},   \
        {"strict",                                                                                 \
         CLI_FLAG,                                                                                 \
         NULL,                                                                                     \
         NULL,                                                                                     \
         "sign in strict mode (method, path and body covered; X-Signature-Mode: strict)",          \
         0,                                                                                        \
         NULL,                                                                                     \
         {0},                                                                                      \
         0},                                                                                       \
    {                                                                                              \
        "timeout", CLI_ARG, "SECONDS", NULL, "whole-request timeout (default 30)", 0, NULL, {0}, 0 \
    }

/* A client from the credential options, or NULL after printing why. */
static kassa_panda *panda_client(const cli_cmd *cmd, cli_opt *o, size_t n, int *rc)
{
    long timeout = 30;
    kassa_panda *c;

    if (cli_val(o, n, "timeout") &&
        cli_parse_long(cli_val(o, n, "timeout"), 1, 3600, &timeout) != 0) {
        *rc = cli_usage_error(cmd, "--timeout must be whole seconds from 1 to 3600");
        return NULL;
    }
    c = kassa_panda_new(cli_val(o, n, "host"), cli_val(o, n, "api-key"), cli_val(o, n, "secret"));
    if (!c) {
        fprintf(stderr, "kassa: out of memory\n");
        *rc = CLI_FAIL;
        return NULL;
    }
    kassa_http_set_timeout_ms(kassa_panda_http(c), timeout * 1000);
    if (cli_val(o, n, "strict") != NULL)
        kassa_panda_set_strict(c, 1);
    return c;
}

int cmd_panda_create_order(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        PANDA_CREDS,
        {"amount", CLI_ARG, "AMOUNT", NULL, "decimal amount, e.g. 1000.47", 1, NULL, {0}, 0},
        {"requisite-type", CLI_ARG, "TYPE", NULL, "SBP, card, ...", 1, NULL, {0}, 0},
        {"idempotency-key", CLI_ARG, "KEY", NULL, "default: a fresh UUID", 0, NULL, {0}, 0},
        {"merchant-order-id", CLI_ARG, "ID", NULL, "your order number", 0, NULL, {0}, 0},
        {"currency", CLI_ARG, "CODE", NULL, "default RUB (server side)", 0, NULL, {0}, 0},
        {"customer-name", CLI_ARG, "NAME", NULL, "optional", 0, NULL, {0}, 0},
        {"bank-code", CLI_ARG, "CODE", NULL, "optional preferred bank", 0, NULL, {0}, 0},
        {"legacy",
         CLI_FLAG,
         NULL,
         NULL,
         "POST /orders with amount_rub as a JSON number (default: /v1/orders, amount as a string)",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    kassa_panda_order_params p = {0};
    kassa_panda_order order = {0};
    kassa_error err = {0};
    kassa_panda *c = NULL;
    int rc = cli_parse(cmd,
                       "--host URL --api-key K --secret S --amount A --requisite-type T "
                       "[options]",
                       "Create an order and print the gateway's answer (the order JSON).", argc,
                       argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    p.api = cli_val(o, N(o), "legacy") ? KASSA_PANDA_LEGACY : KASSA_PANDA_V1;
    p.amount = cli_val(o, N(o), "amount");
    p.requisite_type = cli_val(o, N(o), "requisite-type");
    p.idempotency_key = cli_val(o, N(o), "idempotency-key");
    p.merchant_order_id = cli_val(o, N(o), "merchant-order-id");
    p.currency = cli_val(o, N(o), "currency");
    p.customer_name = cli_val(o, N(o), "customer-name");
    p.bank_code = cli_val(o, N(o), "bank-code");
    if (!kassa_decimal_valid(p.amount))
        return cli_usage_error(cmd, "--amount must be a plain decimal number, not '%s'", p.amount);
    c = panda_client(cmd, o, N(o), &rc);
    if (!c)
        return rc;
    if (kassa_panda_create_order(c, &p, &order, &err) != KASSA_OK) {
        rc = cli_report(&err);
        goto out;
    }
    printf("%s\n", order.json);
    rc = CLI_OK;
out:
    kassa_panda_order_free(&order);
    kassa_panda_free(c);
    return rc;
}

int cmd_panda_order(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {PANDA_CREDS};
    char *pos[1];
    size_t npos;
    kassa_panda_order order = {0};
    kassa_error err = {0};
    kassa_panda *c;
    int rc = cli_parse(cmd, "UUID --host URL --api-key K --secret S",
                       "Print an order (GET /orders/{uuid}) as the gateway answers it.", argc, argv,
                       o, N(o), pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1)
        return cli_usage_error(cmd, "missing the order's UUID");
    c = panda_client(cmd, o, N(o), &rc);
    if (!c)
        return rc;
    if (kassa_panda_get_order(c, pos[0], &order, &err) != KASSA_OK) {
        rc = cli_report(&err);
    } else {
        printf("%s\n", order.json);
        rc = CLI_OK;
    }
    kassa_panda_order_free(&order);
    kassa_panda_free(c);
    return rc;
}

int cmd_panda_cancel(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {PANDA_CREDS};
    char *pos[1];
    size_t npos;
    char status[64];
    kassa_error err = {0};
    kassa_panda *c;
    int rc = cli_parse(cmd, "UUID --host URL --api-key K --secret S",
                       "Cancel a pending order (GET /orders/{uuid}/cancel); prints the new "
                       "status.",
                       argc, argv, o, N(o), pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1)
        return cli_usage_error(cmd, "missing the order's UUID");
    c = panda_client(cmd, o, N(o), &rc);
    if (!c)
        return rc;
    if (kassa_panda_cancel(c, pos[0], status, sizeof status, &err) != KASSA_OK) {
        rc = cli_report(&err);
    } else {
        printf("%s\n", status);
        rc = CLI_OK;
    }
    kassa_panda_free(c);
    return rc;
}
