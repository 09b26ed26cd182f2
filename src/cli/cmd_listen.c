/* cmd_listen.c: kassa listen: a callback receiver (libmicrohttpd) that
 * verifies every POST with libkassa and prints each valid callback as one
 * JSON line on stdout; rejected ones get 401 and a line on stderr. */
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LISTEN_BODY_MAX (1u << 20)

struct listener {
    int tegro; /* 0 panda, 1 tegro */
    const char *api_key;
    const char *secret;
    const char *shop_id;
    long window;
    long count; /* stop after this many valid callbacks; 0: never */
    long seen;
    int wake[2]; /* written to stop main */
};

struct upload {
    char *buf;
    size_t len;
    int too_big;
    int last; /* this request reached --count: stop once it is answered */
};

static int stop_fd = -1;

static void on_signal(int sig)
{
    char c = (char)sig;
    if (stop_fd >= 0 && write(stop_fd, &c, 1) < 0) {
        /* nothing to do: main will not wake, the default action follows */
    }
}

/* JSON text without whitespace outside strings: one line, digits intact. */
static char *json_compact_raw(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t j = 0;
    int in_str = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            out[j++] = c;
            if (c == '\\' && i + 1 < len)
                out[j++] = s[++i];
            else if (c == '"')
                in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            out[j++] = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            out[j++] = c;
        }
    }
    out[j] = '\0';
    return out;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Verify one complete callback; print it; the HTTP status to answer. */
static unsigned handle_callback(struct listener *l, struct MHD_Connection *conn, const char *url,
                                const char *body, size_t len)
{
    json_t *line = json_object();
    char *out = NULL;
    char *raw = NULL;
    kassa_err rc;
    unsigned status = 401;

    if (!line)
        return 500;
    json_object_set_new(line, "dialect", json_string(l->tegro ? "tegro" : "panda"));
    json_object_set_new(line, "path", json_string(url));
    if (!l->tegro) {
        rc = kassa_panda_callback_verify(
            l->api_key, l->secret, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key"),
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Timestamp"),
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Signature"), body, len, l->window,
            (int64_t)time(NULL));
    } else {
        /* A form, or a JSON object of strings (a shop whose
         * notification_format is "json"): by Content-Type, else by the body. */
        kassa_form f;
        kassa_error why = {0};
        rc = kassa_tegro_callback_parse(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE), body,
            len, &f, &why);
        if (rc != KASSA_OK) {
            fprintf(stderr, "kassa listen: rejected callback to %s: %s (%s): %s\n", url,
                    kassa_strerror(rc), kassa_err_name(rc), why.message);
            status = rc == KASSA_ENOMEM ? 500 : 400;
            goto out;
        }
        rc = kassa_tegro_callback_verify_form(&f, l->shop_id, l->secret);
        if (rc == KASSA_OK) {
            json_t *obj = json_object();
            for (size_t i = 0; obj && i < f.n; i++)
                json_object_set_new(obj, f.fields[i].key, json_string(f.fields[i].value));
            json_object_set_new(line, "callback", obj);
        }
        kassa_form_free(&f);
    }
    if (rc != KASSA_OK) {
        fprintf(stderr, "kassa listen: rejected callback to %s: %s (%s)\n", url, kassa_strerror(rc),
                kassa_err_name(rc));
        goto out;
    }
    /* Splice the panda body in as raw JSON so amounts keep their digits. */
    if (!l->tegro) {
        json_t *probe = json_loadb(body, len, JSON_DECODE_ANY, NULL);
        if (probe) {
            raw = json_compact_raw(body, len);
            json_object_set_new(line, "callback", json_string("\x01"));
        } else {
            json_object_set_new(line, "callback", json_stringn(body, len));
        }
        json_decref(probe);
    }
    out = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!out) {
        status = 500;
        goto out;
    }
    if (raw) {
        char *mark = strstr(out, "\"\\u0001\"");
        if (mark) {
            *mark = '\0';
            printf("%s%s%s\n", out, raw, mark + strlen("\"\\u0001\""));
        }
    } else {
        printf("%s\n", out);
    }
    fflush(stdout);
    status = 200;
    l->seen++;
out:
    free(out);
    free(raw);
    json_decref(line);
    return status;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct listener *l = cls;
    struct upload *u = *con_cls;
    unsigned status;

    if (!u) {
        u = calloc(1, sizeof *u);
        if (!u)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size) {
        if (u->len + *upload_size > LISTEN_BODY_MAX) {
            u->too_big = 1;
        } else {
            char *p = realloc(u->buf, u->len + *upload_size + 1);
            if (!p)
                return MHD_NO;
            u->buf = p;
            memcpy(u->buf + u->len, upload_data, *upload_size);
            u->len += *upload_size;
            u->buf[u->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "POST") != 0)
        return reply(conn, 405, "POST only\n");
    if (u->too_big)
        return reply(conn, 413, "body too large\n");
    status = handle_callback(l, conn, url, u->buf ? u->buf : "", u->len);
    if (status == 200 && l->count > 0 && l->seen == l->count)
        u->last = 1;
    if (status == 200)
        return reply(conn, 200, l->tegro ? "OK" : "");
    if (status == 400)
        return reply(conn, 400, "Bad request\n");
    return reply(conn, status, status == 401 ? "Invalid signature\n" : "error\n");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct listener *l = cls;
    struct upload *u = *con_cls;

    if (u) {
        if (u->last) {
            char c = 0;
            if (write(l->wake[1], &c, 1) < 0) {
                /* main is already stopping */
            }
        }
        free(u->buf);
        free(u);
        *con_cls = NULL;
    }
}

int cmd_listen(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        {"dialect", CLI_ARG, "panda|tegro", NULL, "which callbacks to expect", 1, NULL, {0}, 0},
        {"port", CLI_ARG, "PORT", NULL, "TCP port (0: any free port)", 1, NULL, {0}, 0},
        {"bind",
         CLI_ARG,
         "ADDR",
         NULL,
         "IPv4 address to listen on (default 127.0.0.1)",
         0,
         NULL,
         {0},
         0},
        {"api-key", CLI_ARG, "KEY", NULL, "panda: the shop's API key", 0, NULL, {0}, 0},
        {"secret", CLI_ARG, "SECRET", NULL, "panda or tegro: the shop's secret", 0, NULL, {0}, 0},
        {"window",
         CLI_ARG,
         "SECONDS",
         NULL,
         "panda: refuse timestamps further than this from now (default 0: not checked)",
         0,
         NULL,
         {0},
         0},
        {"shop-id", CLI_ARG, "ID", NULL, "tegro: the shop's public key", 0, NULL, {0}, 0},
        {"count",
         CLI_ARG,
         "N",
         NULL,
         "exit 0 after N valid callbacks (default: run until a signal)",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[1];
    size_t npos;
    struct listener l = {0};
    struct sockaddr_in addr = {0};
    struct MHD_Daemon *d = NULL;
    const union MHD_DaemonInfo *info;
    const char *dialect;
    const char *bind_addr;
    long port;
    int rc = cli_parse(cmd,
                       "--dialect panda|tegro --port P (--api-key K --secret S | --shop-id ID "
                       "--secret S) [options]",
                       "Receive callbacks on any path, verify each (panda: X-API-Key, "
                       "X-Timestamp, X-Signature;\ntegro: the sign of the form or of the JSON "
                       "object of strings, told apart by\nContent-Type, else by a leading '{'), "
                       "answer 200 and print it on stdout as one JSON line\n"
                       "{\"dialect\":..,\"path\":..,\"callback\":..}; answer 401 to the others "
                       "(400 to a tegro body\nthat does not decode) and say why on stderr.",
                       argc, argv, o, N(o), pos, 0, &npos);

    if (rc >= 0)
        return rc;
    l.wake[0] = l.wake[1] = -1;
    dialect = cli_val(o, N(o), "dialect");
    if (strcmp(dialect, "panda") == 0) {
        l.tegro = 0;
        if (!cli_val(o, N(o), "api-key") || !cli_val(o, N(o), "secret"))
            return cli_usage_error(cmd, "--dialect panda needs --api-key and --secret");
    } else if (strcmp(dialect, "tegro") == 0) {
        l.tegro = 1;
        if (!cli_val(o, N(o), "shop-id") || !cli_val(o, N(o), "secret"))
            return cli_usage_error(cmd, "--dialect tegro needs --shop-id and --secret");
    } else {
        return cli_usage_error(cmd, "--dialect is panda or tegro, not '%s'", dialect);
    }
    l.api_key = cli_val(o, N(o), "api-key");
    l.secret = cli_val(o, N(o), "secret");
    l.shop_id = cli_val(o, N(o), "shop-id");
    if (cli_parse_long(cli_val(o, N(o), "port"), 0, 65535, &port) != 0)
        return cli_usage_error(cmd, "--port must be 0 to 65535");
    if (cli_val(o, N(o), "window") &&
        cli_parse_long(cli_val(o, N(o), "window"), 0, 100L * 365 * 86400, &l.window) != 0)
        return cli_usage_error(cmd, "--window must be whole seconds >= 0");
    if (cli_val(o, N(o), "count") &&
        cli_parse_long(cli_val(o, N(o), "count"), 1, 1000000000L, &l.count) != 0)
        return cli_usage_error(cmd, "--count must be a positive number");
    bind_addr = cli_val(o, N(o), "bind") ? cli_val(o, N(o), "bind") : "127.0.0.1";
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, bind_addr, &addr.sin_addr) != 1)
        return cli_usage_error(cmd, "--bind must be an IPv4 address, not '%s'", bind_addr);

    if (pipe(l.wake) != 0) {
        perror("kassa listen: pipe");
        return CLI_FAIL;
    }
    stop_fd = l.wake[1];
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                         on_request, &l, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, &l,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "kassa listen: cannot listen on %s:%ld: %s\n", bind_addr, port,
                strerror(errno));
        rc = CLI_FAIL;
        goto out;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "kassa listen: %s callbacks on http://%s:%u/\n", dialect, bind_addr,
            info ? (unsigned)info->port : (unsigned)port);
    fflush(stderr);
    for (;;) {
        char c;
        ssize_t r = read(l.wake[0], &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        break;
    }
    rc = CLI_OK;
out:
    if (d)
        MHD_stop_daemon(d);
    stop_fd = -1;
    close(l.wake[0]);
    close(l.wake[1]);
    return rc;
}
