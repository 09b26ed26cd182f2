/* opts.c: option parsing, --help rendering and error reporting for the
 * kassa CLI. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_words(FILE *f, const cli_cmd *cmd)
{
    fprintf(f, "kassa %s%s%s", cmd->words[0], cmd->words[1] ? " " : "",
            cmd->words[1] ? cmd->words[1] : "");
}

static void print_help(const cli_cmd *cmd, const char *usage, const char *desc, const cli_opt *opts,
                       size_t n_opts)
{
    printf("usage: ");
    print_words(stdout, cmd);
    printf(" %s\n\n%s\n", usage, desc);
    printf("\noptions:\n");
    for (size_t i = 0; i < n_opts; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
                 opts[i].metavar ? opts[i].metavar : "");
        printf("  %-26s %s%s", left, opts[i].help, opts[i].required ? " (required)" : "");
        if (opts[i].kind == CLI_LIST)
            printf(" (repeatable)");
        if (opts[i].env)
            printf(" [env %s]", opts[i].env);
        printf("\n");
    }
    printf("  %-26s %s\n", "--help", "show this help");
    printf("\nexit status: 0 success, 1 refused by the API or transport failure, "
           "2 usage error\n");
}

int cli_usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    print_words(stderr, cmd);
    fprintf(stderr, ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '");
    print_words(stderr, cmd);
    fprintf(stderr, " --help'.\n");
    return CLI_USAGE;
}

int cli_parse(const cli_cmd *cmd, const char *usage, const char *desc, int argc, char **argv,
              cli_opt *opts, size_t n_opts, char **pos, size_t max_pos, size_t *n_pos)
{
    int only_pos = 0;

    *n_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        cli_opt *o = NULL;
        const char *eq;
        size_t nl;

        if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
            if (*n_pos == max_pos)
                return cli_usage_error(cmd, "unexpected argument '%s'", a);
            pos[(*n_pos)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_help(cmd, usage, desc, opts, n_opts);
            return CLI_OK;
        }
        if (strncmp(a, "--", 2) != 0)
            return cli_usage_error(cmd, "unknown option '%s'", a);
        eq = strchr(a + 2, '=');
        nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        for (size_t k = 0; k < n_opts; k++)
            if (strlen(opts[k].name) == nl && strncmp(opts[k].name, a + 2, nl) == 0)
                o = &opts[k];
        if (!o)
            return cli_usage_error(cmd, "unknown option '%.*s'", (int)(nl + 2), a);
        if (o->kind == CLI_FLAG) {
            if (eq)
                return cli_usage_error(cmd, "option '--%s' takes no value", o->name);
            o->value = "1";
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc)
                return cli_usage_error(cmd, "option '--%s' needs a value (%s)", o->name,
                                       o->metavar ? o->metavar : "VALUE");
            v = argv[++i];
        }
        if (o->kind == CLI_ARG) {
            o->value = v;
        } else {
            if (o->n_list == CLI_LIST_MAX)
                return cli_usage_error(cmd, "too many '--%s' options (at most %d)", o->name,
                                       CLI_LIST_MAX);
            o->list[o->n_list++] = v;
        }
    }
    for (size_t k = 0; k < n_opts; k++) {
        cli_opt *o = &opts[k];
        if (o->kind == CLI_ARG && !o->value && o->env) {
            const char *e = getenv(o->env);
            if (e && *e)
                o->value = e;
        }
        if (o->required && o->kind == CLI_ARG && !o->value)
            return cli_usage_error(cmd, "missing --%s%s%s%s", o->name, o->env ? " (or " : "",
                                   o->env ? o->env : "", o->env ? ")" : "");
    }
    return -1;
}

cli_opt *cli_get(cli_opt *opts, size_t n_opts, const char *name)
{
    for (size_t k = 0; k < n_opts; k++)
        if (strcmp(opts[k].name, name) == 0)
            return &opts[k];
    abort(); /* a typo in a command's own table */
}

const char *cli_val(cli_opt *opts, size_t n_opts, const char *name)
{
    return cli_get(opts, n_opts, name)->value;
}

int cli_report(const kassa_error *err)
{
    if (err->http_status)
        fprintf(stderr, "kassa: HTTP %ld: %s: %s\n", err->http_status, kassa_strerror(err->code),
                err->message);
    else
        fprintf(stderr, "kassa: %s: %s\n", kassa_strerror(err->code), err->message);
    return CLI_FAIL;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0;
    size_t n = 0;

    if (!f)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *p;
            if (ncap > (64u << 20)) {
                errno = EFBIG;
                goto fail;
            }
            p = realloc(buf, ncap);
            if (!p)
                goto fail;
            buf = p;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                goto fail;
            break;
        }
    }
    buf[n] = '\0';
    *len = n;
    if (f != stdin)
        fclose(f);
    return buf;
fail:
    free(buf);
    if (f != stdin)
        fclose(f);
    return NULL;
}

int cli_one_id(const cli_cmd *cmd, char **pos, size_t npos, const char *what, long *id)
{
    if (npos != 1 || cli_parse_long(pos[0], 1, 0x7fffffffL, id) != 0)
        return cli_usage_error(cmd, "expected one positive numeric %s ID", what);
    return -1;
}
