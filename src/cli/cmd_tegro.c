/* cmd_tegro.c: kassa tegro call | pay-url: the merchant side of the tegro
 * dialect. */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Append `"name":value` for one --field: name=text gives a JSON string,
 * name:=json a raw JSON value (number, object, ...), as httpie does. */
static int add_field(const cli_cmd *cmd, json_t *seen, char **obj, size_t *len, const char *f)
{
    const char *eq = strchr(f, '=');
    int raw = 0;
    size_t nl;
    char *name = NULL;
    char *key = NULL;
    char *val = NULL;
    json_t *j = NULL;
    int rc = CLI_USAGE;

    if (!eq || eq == f)
        return cli_usage_error(cmd, "--field wants name=value or name:=json, not '%s'", f);
    nl = (size_t)(eq - f);
    if (f[nl - 1] == ':') {
        raw = 1;
        nl--;
    }
    if (nl == 0)
        return cli_usage_error(cmd, "--field '%s' has no name", f);
    name = strndup(f, nl);
    if (!name)
        goto oom;
    if (json_object_get(seen, name)) {
        rc = cli_usage_error(cmd, "--field %s given twice", name);
        goto out;
    }
    json_object_set_new(seen, name, json_true());
    if (raw) {
        j = json_loads(eq + 1, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        if (!j) {
            rc = cli_usage_error(cmd, "--field %s:= wants JSON, not '%s'", name, eq + 1);
            goto out;
        }
        val = strdup(eq + 1); /* raw text: numbers keep their exact digits */
    } else {
        j = json_string(eq + 1);
        val = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    }
    json_decref(j);
    j = json_string(name);
    key = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    if (!val || !key)
        goto oom;
    {
        size_t add = strlen(key) + strlen(val) + 2;
        char *p = realloc(*obj, *len + add + 2);
        if (!p)
            goto oom;
        *obj = p;
        snprintf(*obj + *len, add + 2, "%s%s:%s", *len > 1 ? "," : "", key, val);
        *len += strlen(*obj + *len);
    }
    rc = -1;
    goto out;
oom:
    fprintf(stderr, "kassa: out of memory\n");
    rc = CLI_FAIL;
out:
    json_decref(j);
    free(name);
    free(key);
    free(val);
    return rc;
}

int cmd_tegro_call(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        {"host", CLI_ARG, "URL", NULL, "the gateway, e.g. http://127.0.0.1:8080", 1, NULL, {0}, 0},
        {"shop-id", CLI_ARG, "ID", NULL, "the shop's public key (shop_id)", 1, NULL, {0}, 0},
        {"api-key",
         CLI_ARG,
         "KEY",
         NULL,
         "the shop's tegro API key (the HMAC key)",
         1,
         NULL,
         {0},
         0},
        {"field",
         CLI_LIST,
         "NAME=VALUE",
         NULL,
         "a body field: NAME=text is a string, NAME:=json a raw JSON value",
         0,
         NULL,
         {0},
         0},
        {"nonce", CLI_ARG, "DIGITS", NULL, "default: now in microseconds", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    cli_opt *fields;
    char *obj = NULL;
    size_t len;
    json_t *seen = NULL;
    json_t *root = NULL;
    kassa_request req = {0};
    kassa_response resp = {0};
    kassa_error err = {0};
    kassa_http *http = NULL;
    kassa_err e;
    int rc = cli_parse(cmd, "METHOD --host URL --shop-id ID --api-key K [--field NAME=VALUE ...]",
                       "Call a tegro REST method (createOrder, order, orders, balance, shops, "
                       "...):\nPOST /api/METHOD/ with shop_id and nonce added, signed. Prints the "
                       "answer;\nexits 0 only when its type is \"success\".",
                       argc, argv, o, N(o), pos, 1, &npos);

    if (rc >= 0)
        return rc;
    if (npos != 1)
        return cli_usage_error(cmd, "missing METHOD (e.g. balance)");
    fields = cli_get(o, N(o), "field");
    seen = json_object();
    obj = strdup("{");
    if (!seen || !obj) {
        rc = CLI_FAIL;
        goto out;
    }
    len = 1;
    for (size_t i = 0; i < fields->n_list; i++) {
        rc = add_field(cmd, seen, &obj, &len, fields->list[i]);
        if (rc >= 0)
            goto out;
    }
    {
        char *p = realloc(obj, len + 2);
        if (!p) {
            rc = CLI_FAIL;
            goto out;
        }
        obj = p;
        memcpy(obj + len, "}", 2);
    }
    e = kassa_tegro_build_call(cli_val(o, N(o), "host"), cli_val(o, N(o), "shop-id"),
                               cli_val(o, N(o), "api-key"), pos[0], obj, cli_val(o, N(o), "nonce"),
                               &req);
    if (e == KASSA_EINVAL) {
        rc = cli_usage_error(cmd, "bad METHOD, --nonce or fields (shop_id and nonce are added "
                                  "by kassa)");
        goto out;
    }
    if (e != KASSA_OK) {
        fprintf(stderr, "kassa: %s\n", kassa_strerror(e));
        rc = CLI_FAIL;
        goto out;
    }
    http = kassa_http_new();
    if (!http) {
        rc = CLI_FAIL;
        goto out;
    }
    if (kassa_http_send(http, &req, &resp, &err) != KASSA_OK) {
        rc = cli_report(&err);
        goto out;
    }
    if (resp.body_len)
        printf("%s\n", resp.body);
    root = json_loadb(resp.body, resp.body_len, 0, NULL);
    {
        json_t *type = json_is_object(root) ? json_object_get(root, "type") : NULL;
        json_t *desc = json_is_object(root) ? json_object_get(root, "desc") : NULL;
        if (resp.status / 100 == 2 && json_is_string(type) &&
            strcmp(json_string_value(type), "success") == 0) {
            rc = CLI_OK;
        } else {
            fprintf(stderr, "kassa: HTTP %ld: %s\n", resp.status,
                    json_is_string(desc) ? json_string_value(desc) : "not a success answer");
            rc = CLI_FAIL;
        }
    }
out:
    json_decref(root);
    json_decref(seen);
    free(obj);
    kassa_response_free(&resp);
    kassa_request_free(&req);
    kassa_http_free(http);
    return rc;
}

int cmd_tegro_pay_url(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        {"host", CLI_ARG, "URL", NULL, "the gateway's public URL", 1, NULL, {0}, 0},
        {"shop-id", CLI_ARG, "ID", NULL, "the shop's public key (shop_id)", 1, NULL, {0}, 0},
        {"secret", CLI_ARG, "SECRET", NULL, "the shop's tegro secret", 1, NULL, {0}, 0},
        {"amount",
         CLI_ARG,
         "AMOUNT",
         NULL,
         "signed as given: 100 and 100.00 differ",
         1,
         NULL,
         {0},
         0},
        {"currency", CLI_ARG, "CODE", NULL, "RUB, USD, ...", 1, NULL, {0}, 0},
        {"order-id", CLI_ARG, "ID", NULL, "your order number", 1, NULL, {0}, 0},
        {"test", CLI_FLAG, NULL, NULL, "a test payment (adds test=1, signed)", 0, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    char *url = NULL;
    kassa_err e;
    int rc = cli_parse(cmd,
                       "--host URL --shop-id ID --secret S --amount A --currency C "
                       "--order-id O [--test]",
                       "Print the signed hosted-form URL: HOST/pay/?amount&currency&order_id&"
                       "shop_id[&test]&sign,\nsign = MD5(URL-encoded sorted query + secret).",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    if (!kassa_decimal_valid(cli_val(o, N(o), "amount")))
        return cli_usage_error(cmd, "--amount must be a plain decimal number, not '%s'",
                               cli_val(o, N(o), "amount"));
    e = kassa_tegro_pay_url(cli_val(o, N(o), "host"), cli_val(o, N(o), "shop-id"),
                            cli_val(o, N(o), "secret"), cli_val(o, N(o), "amount"),
                            cli_val(o, N(o), "currency"), cli_val(o, N(o), "order-id"),
                            cli_val(o, N(o), "test") != NULL, &url);
    if (e != KASSA_OK) {
        fprintf(stderr, "kassa: %s\n", kassa_strerror(e));
        return CLI_FAIL;
    }
    printf("%s\n", url);
    free(url);
    return CLI_OK;
}
