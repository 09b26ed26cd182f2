/* cmd_devices.c: devices and bank messages over the admin API: device
 * pair | list | show | revoke | bind | unbind, bank-message list | show |
 * attach. */
#include "cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A command of one id: `method` the path made of fmt and the id. */
static int one_id(const cli_cmd *cmd, int argc, char **argv, const char *what, const char *usage,
                  const char *desc, const char *method, const char *fmt)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[1];
    size_t npos;
    long id;
    char path[96];
    int rc = cli_parse(cmd, usage, desc, argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, what, &id)) >= 0)
        return rc;
    snprintf(path, sizeof path, fmt, id);
    return cli_admin_call(o, N(o), method, path, NULL);
}

int cmd_device_pair(const cli_cmd *cmd, int argc, char **argv)
{
    return one_id(cmd, argc, argv, "trader", "TRADER_ID",
                  "Make a one-time pairing code for a trader's phone (POST "
                  "/admin/v1/traders/ID/devices/pair): good for 10 minutes, once; the phone "
                  "sends it to POST /device/v1/pair.",
                  "POST", "/admin/v1/traders/%ld/devices/pair");
}

int cmd_device_show(const cli_cmd *cmd, int argc, char **argv)
{
    return one_id(cmd, argc, argv, "device", "ID",
                  "Print a device with the requisites bound to it (GET /admin/v1/devices/ID).",
                  "GET", "/admin/v1/devices/%ld");
}

int cmd_device_revoke(const cli_cmd *cmd, int argc, char **argv)
{
    return one_id(cmd, argc, argv, "device", "ID",
                  "Revoke a device (POST /admin/v1/devices/ID/revoke): its token and secret stop "
                  "at once, its requisites are unbound.",
                  "POST", "/admin/v1/devices/%ld/revoke");
}

int cmd_device_unbind(const cli_cmd *cmd, int argc, char **argv)
{
    return one_id(cmd, argc, argv, "requisite", "REQUISITE_ID",
                  "Unbind a requisite from its device (DELETE /admin/v1/requisites/ID/device).",
                  "DELETE", "/admin/v1/requisites/%ld/device");
}

int cmd_device_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS, PAGE_OPTS};
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "TRADER_ID [--limit N] [--cursor C] [--order asc]",
                       "List a trader's devices (GET /admin/v1/traders/ID/devices).", argc, argv, o,
                       N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "trader", &id)) >= 0)
        return rc;
    snprintf(path, sizeof path, "/admin/v1/traders/%ld/devices", id);
    return cli_admin_get_query(o, N(o), 2, path);
}

int cmd_device_bind(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {ADMIN_OPTS};
    char *pos[2];
    size_t npos;
    long req, dev;
    char path[80], body[64];
    int rc = cli_parse(cmd, "REQUISITE_ID DEVICE_ID",
                       "Bind a trader's requisite to a device of the same trader (PUT "
                       "/admin/v1/requisites/ID/device): its payments are confirmed by that "
                       "device's bank notifications, and it takes orders only while the device "
                       "is online.",
                       argc, argv, o, N(o), pos, 2, &npos);
    if (rc >= 0)
        return rc;
    if (npos != 2 || cli_parse_long(pos[0], 1, 0x7fffffffL, &req) != 0 ||
        cli_parse_long(pos[1], 1, 0x7fffffffL, &dev) != 0)
        return cli_usage_error(cmd, "expected a requisite ID and a device ID");
    snprintf(path, sizeof path, "/admin/v1/requisites/%ld/device", req);
    snprintf(body, sizeof body, "{\"device_id\":%ld}", dev);
    return cli_admin_call(o, N(o), "PUT", path, body);
}

int cmd_bank_message_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"state", CLI_ARG, "S", NULL, "matched, unmatched, ambiguous or ignored", 0, NULL, {0}, 0},
        {"trader-id", CLI_ARG, "ID", NULL, "one trader's", 0, NULL, {0}, 0},
        {"device-id", CLI_ARG, "ID", NULL, "one device's", 0, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--state S] [--trader-id ID] [--device-id ID] [--limit N] ...",
                       "List the bank messages devices posted (GET /admin/v1/bank-messages); "
                       "unmatched and ambiguous ones wait for a person to attach them.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/bank-messages");
}

int cmd_bank_message_show(const cli_cmd *cmd, int argc, char **argv)
{
    return one_id(cmd, argc, argv, "message", "ID",
                  "Print a bank message: its text, what was read of it and what became of it "
                  "(GET /admin/v1/bank-messages/ID).",
                  "GET", "/admin/v1/bank-messages/%ld");
}

int cmd_bank_message_attach(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"order", CLI_ARG, "UUID", NULL, "the order it paid", 1, NULL, {0}, 0},
    };
    char *pos[1];
    size_t npos;
    long id;
    char path[80];
    int rc = cli_parse(cmd, "ID --order UUID",
                       "Attach an unmatched or ambiguous bank message to an order of its trader "
                       "(POST /admin/v1/bank-messages/ID/attach): the order completes with the "
                       "message's amount.",
                       argc, argv, o, N(o), pos, 1, &npos);
    if (rc >= 0 || (rc = cli_one_id(cmd, pos, npos, "message", &id)) >= 0)
        return rc;
    json_t *obj = json_pack("{s:s}", "order", cli_val(o, N(o), "order"));
    char *body = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (body == NULL) {
        fprintf(stderr, "kassa: out of memory or invalid UTF-8 in an option\n");
        return CLI_FAIL;
    }
    snprintf(path, sizeof path, "/admin/v1/bank-messages/%ld/attach", id);
    rc = cli_admin_call(o, N(o), "POST", path, body);
    free(body);
    return rc;
}
