/* cmd_sign.c: kassa sign panda | tegro-rest | tegro-form: print the
 * signature of given inputs, for debugging an integration. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The body from --body or --body-file (exactly one); NULL after a message. */
static char *body_of(const cli_cmd *cmd, cli_opt *o, size_t n, size_t *len, int *rc)
{
    const char *text = cli_val(o, n, "body");
    const char *file = cli_val(o, n, "body-file");
    char *b;

    if ((text != NULL) == (file != NULL)) {
        *rc = cli_usage_error(cmd, "give exactly one of --body and --body-file");
        return NULL;
    }
    if (text) {
        b = strdup(text);
        *len = b ? strlen(b) : 0;
    } else {
        b = cli_read_file(file, len);
    }
    if (!b) {
        fprintf(stderr, "kassa: cannot read %s: %s\n", file ? file : "--body", strerror(errno));
        *rc = CLI_FAIL;
    }
    return b;
}

int cmd_sign(const cli_cmd *cmd, int argc, char **argv)
{
    cli_opt o[] = {
        {"secret",
         CLI_ARG,
         "SECRET",
         NULL,
         "panda secret / tegro secret (panda, tegro-form)",
         0,
         NULL,
         {0},
         0},
        {"api-key", CLI_ARG, "KEY", NULL, "tegro API key (tegro-rest)", 0, NULL, {0}, 0},
        {"timestamp", CLI_ARG, "UNIX", NULL, "X-Timestamp (panda)", 0, NULL, {0}, 0},
        {"body", CLI_ARG, "TEXT", NULL, "the raw body (panda, tegro-rest)", 0, NULL, {0}, 0},
        {"body-file",
         CLI_ARG,
         "FILE",
         NULL,
         "the raw body from a file, - for stdin",
         0,
         NULL,
         {0},
         0},
        {"style",
         CLI_ARG,
         "STYLE",
         NULL,
         "tegro-form join: urlencoded (default), php, raw",
         0,
         NULL,
         {0},
         0},
    };
    char *pos[CLI_LIST_MAX + 1];
    size_t npos;
    char hex[KASSA_SHA256_HEX_SIZE];
    char *body = NULL;
    size_t len = 0;
    int rc = cli_parse(cmd, "panda|tegro-rest|tegro-form [options] [NAME=VALUE ...]",
                       "panda       HMAC-SHA256(secret, timestamp + body): --secret --timestamp "
                       "--body|--body-file\n"
                       "tegro-rest  HMAC-SHA256(api_key, body) (the Bearer token): --api-key "
                       "--body|--body-file\n"
                       "tegro-form  MD5(sorted query of NAME=VALUE fields + secret): --secret "
                       "[--style] NAME=VALUE...",
                       argc, argv, o, N(o), pos, N(pos), &npos);

    if (rc >= 0)
        return rc;
    if (npos < 1)
        return cli_usage_error(cmd, "missing the kind: panda, tegro-rest or tegro-form");
    if (strcmp(pos[0], "panda") == 0) {
        if (npos != 1)
            return cli_usage_error(cmd, "unexpected argument '%s'", pos[1]);
        if (!cli_val(o, N(o), "secret") || !cli_val(o, N(o), "timestamp"))
            return cli_usage_error(cmd, "panda needs --secret and --timestamp");
        body = body_of(cmd, o, N(o), &len, &rc);
        if (!body)
            return rc;
        kassa_panda_sign(cli_val(o, N(o), "secret"), cli_val(o, N(o), "timestamp"), body, len, hex);
    } else if (strcmp(pos[0], "tegro-rest") == 0) {
        if (npos != 1)
            return cli_usage_error(cmd, "unexpected argument '%s'", pos[1]);
        if (!cli_val(o, N(o), "api-key"))
            return cli_usage_error(cmd, "tegro-rest needs --api-key");
        body = body_of(cmd, o, N(o), &len, &rc);
        if (!body)
            return rc;
        kassa_tegro_rest_sign(cli_val(o, N(o), "api-key"), body, len, hex);
    } else if (strcmp(pos[0], "tegro-form") == 0) {
        kassa_kv kv[CLI_LIST_MAX];
        const char *style = cli_val(o, N(o), "style");
        kassa_form_style st = KASSA_FORM_URLENCODED;
        if (!cli_val(o, N(o), "secret"))
            return cli_usage_error(cmd, "tegro-form needs --secret");
        if (style && strcmp(style, "php") == 0)
            st = KASSA_FORM_PHP;
        else if (style && strcmp(style, "raw") == 0)
            st = KASSA_FORM_RAW;
        else if (style && strcmp(style, "urlencoded") != 0)
            return cli_usage_error(cmd, "--style is urlencoded, php or raw, not '%s'", style);
        for (size_t i = 1; i < npos; i++) {
            char *eq = strchr(pos[i], '=');
            if (!eq || eq == pos[i])
                return cli_usage_error(cmd, "fields are NAME=VALUE, not '%s'", pos[i]);
            *eq = '\0';
            kv[i - 1].key = pos[i];
            kv[i - 1].value = eq + 1;
        }
        if (kassa_tegro_form_sign(kv, npos - 1, cli_val(o, N(o), "secret"), st, hex) != KASSA_OK) {
            fprintf(stderr, "kassa: out of memory\n");
            return CLI_FAIL;
        }
    } else {
        return cli_usage_error(cmd, "unknown kind '%s' (panda, tegro-rest, tegro-form)", pos[0]);
    }
    printf("%s\n", hex);
    free(body);
    return CLI_OK;
}
