/* cmd_export.c: operator commands that find things: shop list, and the CSV
 * exports (order export, ledger export), streamed from kassad to a file or
 * stdout as they arrive. */
#include "cli.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

int cmd_shop_list(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"merchant-id", CLI_ARG, "ID", NULL, "one merchant's shops", 0, NULL, {0}, 0},
        {"active", CLI_ARG, "true|false", NULL, "only shops switched on (or off)", 0, NULL, {0}, 0},
        {"q", CLI_ARG, "TEXT", NULL, "part of the name, the id or the shop_id", 0, NULL, {0}, 0},
        PAGE_OPTS,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--merchant-id ID] [--active true|false] [--q TEXT] [--limit N] ...",
                       "List shops with their balances (GET /admin/v1/shops), newest first; "
                       "prints {\"items\", \"next_cursor\"} as JSON.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return cli_admin_get_query(o, N(o), 2, "/admin/v1/shops");
}

/* ---- exports ------------------------------------------------------------ */

#define ERROR_BODY_MAX 4096

struct sink {
    CURL *h;
    FILE *out;
    long status;
    char error[ERROR_BODY_MAX]; /* a refusal's JSON body */
    size_t error_len;
    bool write_failed;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct sink *s = arg;
    size_t len = size * n;
    if (s->status == 0)
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->status != 200) {
        size_t room = sizeof s->error - 1 - s->error_len;
        size_t take = len < room ? len : room;
        memcpy(s->error + s->error_len, p, take);
        s->error_len += take;
        s->error[s->error_len] = '\0';
        return len;
    }
    if (fwrite(p, 1, len, s->out) != len) {
        s->write_failed = true;
        return 0;
    }
    return len;
}

/* GET url into `out_path` (NULL or "-": stdout). A file is written as
 * FILE.part and renamed once the whole body arrived; an export cut short
 * (kassad ends the connection on a failure) leaves no file. */
static int download(cli_opt *o, size_t n, const char *path, const char *out_path)
{
    char *url = NULL, *auth = NULL, *part = NULL;
    const char *server = cli_val(o, n, "server");
    size_t sl = strlen(server);
    struct sink s = {0};
    struct curl_slist *hdrs = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";
    int rc = CLI_FAIL;
    bool to_file = out_path != NULL && strcmp(out_path, "-") != 0;

    while (sl > 0 && server[sl - 1] == '/')
        sl--;
    if (asprintf(&url, "%.*s%s", (int)sl, server, path) < 0 ||
        asprintf(&auth, "Authorization: Bearer %s", cli_val(o, n, "admin-token")) < 0 ||
        (to_file && asprintf(&part, "%s.part", out_path) < 0)) {
        fprintf(stderr, "kassa: out of memory\n");
        goto out_early;
    }
    s.out = to_file ? fopen(part, "wb") : stdout;
    if (s.out == NULL) {
        fprintf(stderr, "kassa: %s: %s\n", part, strerror(errno));
        goto out_early;
    }
    s.h = curl_easy_init();
    hdrs = curl_slist_append(NULL, auth);
    if (s.h == NULL || hdrs == NULL) {
        fprintf(stderr, "kassa: out of memory\n");
        goto out;
    }
    curl_easy_setopt(s.h, CURLOPT_URL, url);
    curl_easy_setopt(s.h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(s.h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(s.h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(s.h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(s.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s.h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s.h, CURLOPT_CONNECTTIMEOUT, 30L);
    CURLcode cc = curl_easy_perform(s.h);
    if (s.status == 0)
        curl_easy_getinfo(s.h, CURLINFO_RESPONSE_CODE, &s.status);
    if (cc != CURLE_OK) {
        fprintf(stderr, "kassa: export %s: %s\n",
                s.write_failed ? "could not be written" : "failed, incomplete",
                s.write_failed ? strerror(errno)
                               : (curl_err[0] ? curl_err : curl_easy_strerror(cc)));
        goto out;
    }
    if (s.status != 200) {
        json_t *root = json_loadb(s.error, s.error_len, 0, NULL);
        json_t *msg = json_is_object(root) ? json_object_get(root, "error") : NULL;
        fprintf(stderr, "kassa: HTTP %ld: %s\n", s.status,
                json_is_string(msg) ? json_string_value(msg) : s.error);
        json_decref(root);
        goto out;
    }
    if (fflush(s.out) != 0 || (to_file && fsync(fileno(s.out)) != 0)) {
        fprintf(stderr, "kassa: export could not be written: %s\n", strerror(errno));
        goto out;
    }
    rc = CLI_OK;
out:
    if (to_file) {
        if (fclose(s.out) != 0 && rc == CLI_OK) {
            fprintf(stderr, "kassa: export could not be written: %s\n", strerror(errno));
            rc = CLI_FAIL;
        }
        if (rc == CLI_OK && rename(part, out_path) != 0) {
            fprintf(stderr, "kassa: %s: %s\n", out_path, strerror(errno));
            rc = CLI_FAIL;
        }
        if (rc != CLI_OK)
            unlink(part);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(s.h);
out_early:
    free(url);
    free(auth);
    free(part);
    return rc;
}

/* The query options of an export come after ADMIN_OPTS and before --out,
 * the last option. */
static int export_cmd(cli_opt *o, size_t n, const char *path)
{
    char *url = cli_query_url(o, n - 1, 2, path);
    if (!url) {
        fprintf(stderr, "kassa: out of memory\n");
        return CLI_FAIL;
    }
    int rc = download(o, n, url, cli_val(o, n, "out"));
    free(url);
    return rc;
}

#define OUT_OPT                                                                                    \
    {                                                                                              \
        "out", CLI_ARG, "FILE", NULL,                                                              \
            "write to FILE (as FILE.part until complete; default: stdout)", 0, NULL, {0}, 0        \
    }

int cmd_order_export(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"from",
         CLI_ARG,
         "TIME",
         NULL,
         "created at or after (RFC 3339 or Unix seconds)",
         0,
         NULL,
         {0},
         0},
        {"to",
         CLI_ARG,
         "TIME",
         NULL,
         "created before (default: everything so far)",
         0,
         NULL,
         {0},
         0},
        {"status", CLI_ARG, "STATUS", NULL, "only orders in this status", 0, NULL, {0}, 0},
        {"shop-id", CLI_ARG, "ID", NULL, "one shop's orders", 0, NULL, {0}, 0},
        {"merchant-id", CLI_ARG, "ID", NULL, "one merchant's orders", 0, NULL, {0}, 0},
        {"trader-id", CLI_ARG, "ID", NULL, "one trader's orders", 0, NULL, {0}, 0},
        {"currency", CLI_ARG, "CODE", NULL, "one currency", 0, NULL, {0}, 0},
        OUT_OPT,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--from TIME] [--to TIME] [--status S] ... [--out FILE]",
                       "Download the orders created in [from, to) as CSV, oldest first "
                       "(GET /admin/v1/orders.csv). Exits 1 when the export did not arrive "
                       "whole (kassad cuts the connection on a failure mid-export); a file "
                       "given with --out then does not exist.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return export_cmd(o, N(o), "/admin/v1/orders.csv");
}

int cmd_ledger_export(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        ADMIN_OPTS,
        {"from",
         CLI_ARG,
         "TIME",
         NULL,
         "transactions created at or after (RFC 3339 or Unix seconds)",
         0,
         NULL,
         {0},
         0},
        {"to",
         CLI_ARG,
         "TIME",
         NULL,
         "created before (default: everything so far)",
         0,
         NULL,
         {0},
         0},
        {"account", CLI_ARG, "ID", NULL, "one account's postings", 0, NULL, {0}, 0},
        OUT_OPT,
    };
    char *pos[1];
    size_t npos;
    int rc = cli_parse(cmd, "[--from TIME] [--to TIME] [--account ID] [--out FILE]",
                       "Download the ledger's postings whose transaction was created in "
                       "[from, to) as CSV, in commit order (GET /admin/v1/ledger/postings.csv). "
                       "Exits 1 when the export did not arrive whole; a file given with --out "
                       "then does not exist.",
                       argc, argv, o, N(o), pos, 0, &npos);
    if (rc >= 0)
        return rc;
    return export_cmd(o, N(o), "/admin/v1/ledger/postings.csv");
}
