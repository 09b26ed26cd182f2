/* config.c: kassad's configuration from one table (see config.h).
 *
 * Each row of config_table names an option once: its flag (--NAME), its
 * environment variable, its type, where it lives in `struct config`, its
 * default, its bounds and its help line. Flags, the environment, the
 * --config file and --help are all driven by the table (Redis's
 * standardConfig in config.c does the same). */
#include "config.h"

#define ADMIN_TOKEN_MIN 32 /* characters of an admin token, at least */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "http/listen.h"
#include "http/tls.h"
#include "kassa/kassa.h"
#include "store/store.h"
#include "metrics.h"
#include "provider/banknotes.h"

struct config config;

enum config_type { CFG_STR, CFG_BOOL, CFG_INT, CFG_I64 };

struct config_row {
    const char *name; /* flag without dashes, also the config file key */
    const char *env;
    enum config_type type;
    void *ptr;        /* char **, bool *, int * or int64_t * into `config` */
    const char *def;  /* default as text, NULL for none */
    int64_t min, max; /* bounds of CFG_INT / CFG_I64 */
    const char *arg;  /* metavariable in --help */
    const char *help;
};

#define DEFAULT_CALLBACK_SCHEDULE "0,60,300,900,3600,10800,21600,43200,86400,172800,259200"
#define DAY 86400

static const struct config_row config_table[] = {
    {"listen", "KASSA_LISTEN", CFG_STR, &config.listen, "127.0.0.1:8080", 0, 0, "HOST:PORT",
     "address to listen on"},
    {"db", "KASSA_DB", CFG_STR, &config.db, "sqlite:var/kassa.db", 0, 0, "URL",
     "database: sqlite:PATH or postgresql://..."},
    {"admin-token", "KASSA_ADMIN_TOKEN", CFG_STR, &config.admin_token, NULL, 0, 0, "TOKEN",
     "bearer token of the admin API (required)"},
    {"admin-token-file", "KASSA_ADMIN_TOKEN_FILE", CFG_STR, &config.admin_token_file, NULL, 0, 0,
     "FILE",
     "read the admin token from FILE instead (its one line; without either, "
     "$CREDENTIALS_DIRECTORY/admin-token when systemd passed that credential)"},
    {"public-url", "KASSA_PUBLIC_URL", CFG_STR, &config.public_url, NULL, 0, 0, "URL",
     "base URL payers and merchants reach kassad at (default http://LISTEN, https:// with TLS)"},
    {"tls-cert", "KASSA_TLS_CERT", CFG_STR, &config.tls_cert, NULL, 0, 0, "FILE",
     "serve HTTPS with this PEM certificate chain (with --tls-key; reloaded on SIGHUP)"},
    {"tls-key", "KASSA_TLS_KEY", CFG_STR, &config.tls_key, NULL, 0, 0, "FILE",
     "the PEM private key of --tls-cert (unencrypted)"},
    {"config", "KASSA_CONFIG", CFG_STR, &config.config_file, NULL, 0, 0, "FILE",
     "read options from FILE (lines `name = value`, # comments)"},
    {"test-clock", "KASSA_TEST_CLOCK", CFG_BOOL, &config.test_clock, "false", 0, 0, NULL,
     "let the admin API move the clock forward (tests only)"},
    {"allow-private-callbacks", "KASSA_ALLOW_PRIVATE_CALLBACKS", CFG_BOOL,
     &config.allow_private_callbacks, "false", 0, 0, NULL,
     "allow callbacks to loopback and private addresses"},
    {"threads", "KASSA_THREADS", CFG_INT, &config.threads, "auto", 1, 256, "N|auto",
     "HTTP worker threads; auto: one per CPU (at least 2) with SQLite, four per CPU "
     "(at least 8) with PostgreSQL"},
    {"max-body", "KASSA_MAX_BODY", CFG_I64, &config.max_body, "65536", 1024, 64 * 1024 * 1024,
     "BYTES", "largest request body accepted (413 beyond)"},
    {"max-upload", "KASSA_MAX_UPLOAD", CFG_I64, &config.max_upload, "3211264", 1024,
     256 * 1024 * 1024, "BYTES", "largest receipt upload accepted (413 beyond)"},
    {"max-connections", "KASSA_MAX_CONNECTIONS", CFG_INT, &config.max_connections, "1024", 16,
     1000000, "N",
     "open connections kept at most; beyond, the oldest idle one is closed, else 503"},
    {"request-timeout", "KASSA_REQUEST_TIMEOUT", CFG_INT, &config.request_timeout, "60", 1, 3600,
     "SEC", "time a connection has to send a whole request (headers and body)"},
    {"max-order-amount", "KASSA_MAX_ORDER_AMOUNT", CFG_STR, &config.max_order_amount, "", 0, 0,
     "LIST",
     "largest order per currency, e.g. RUB=1000000,USD=10000 (others keep their default: "
     "RUB 1000000, USD 10000, ...)"},
    {"reversal-keeps-fee", "KASSA_REVERSAL_KEEPS_FEE", CFG_BOOL, &config.reversal_keeps_fee,
     "false", 0, 0, NULL,
     "a reversed order's fee stays the platform's: the merchant is debited the whole amount "
     "(default: the fee goes back too)"},
    {"max-withdrawal-amount", "KASSA_MAX_WITHDRAWAL_AMOUNT", CFG_STR, &config.max_withdrawal_amount,
     "", 0, 0, "LIST",
     "largest withdrawal per currency, as --max-order-amount (default: 100 times the order's)"},
    {"timestamp-window", "KASSA_TIMESTAMP_WINDOW", CFG_INT, &config.timestamp_window, "300", 1, DAY,
     "SEC", "allowed clock skew of signed request timestamps"},
    {"log-level", "KASSA_LOG_LEVEL", CFG_STR, &config.log_level, "info", 0, 0,
     "debug|info|warn|error", "least severe log level written"},
    {"panda-order-ttl", "KASSA_PANDA_ORDER_TTL", CFG_INT, &config.panda_order_ttl, "900", 1,
     365 * DAY, "SEC", "lifetime of a panda order before it expires"},
    {"tegro-order-ttl", "KASSA_TEGRO_ORDER_TTL", CFG_INT, &config.tegro_order_ttl, "86400", 1,
     365 * DAY, "SEC", "lifetime of a tegro order before it expires"},
    {"idempotency-ttl", "KASSA_IDEMPOTENCY_TTL", CFG_INT, &config.idempotency_ttl, "86400", 86400,
     365 * DAY, "SEC", "how long idempotency keys are remembered"},
    {"auth-fail-limit", "KASSA_AUTH_FAIL_LIMIT", CFG_INT, &config.auth_fail_limit, "20", 1, 100000,
     "N", "failed authentications a client address or key may have in a window, then 429"},
    {"auth-fail-window", "KASSA_AUTH_FAIL_WINDOW", CFG_INT, &config.auth_fail_window, "60", 1, DAY,
     "SEC", "the window of --auth-fail-limit"},
    {"bank-message-grace", "KASSA_BANK_MESSAGE_GRACE", CFG_INT, &config.bank_message_grace, "600",
     1, DAY, "SEC", "how long after an order expired a bank credit may still confirm it"},
    {"console-chartjs", "KASSA_CONSOLE_CHARTJS", CFG_STR, &config.console_chartjs,
     "/usr/share/javascript/chart.js/chart.min.js", 0, 0, "FILE",
     "Chart.js for the console's charts (Debian's libjs-chart.js)"},
    {"callback-timeout", "KASSA_CALLBACK_TIMEOUT", CFG_INT, &config.callback_timeout, "15", 1, 600,
     "SEC", "timeout of one callback delivery attempt"},
    {"callback-schedule", "KASSA_CALLBACK_SCHEDULE", CFG_STR, &config.callback_schedule,
     DEFAULT_CALLBACK_SCHEDULE, 0, 0, "LIST",
     "callback attempts, seconds after the first attempt, ascending, comma-separated"},
    {"callback-host-connections", "KASSA_CALLBACK_HOST_CONNECTIONS", CFG_INT,
     &config.callback_host_connections, "16", 1, 256, "N",
     "most connections open to one callback receiver host at a time"},
    {"db-pool", "KASSA_DB_POOL", CFG_INT, &config.db_pool, "8", 1, 256, "N",
     "database read connections"},
    {"batch-max", "KASSA_BATCH_MAX", CFG_INT, &config.batch_max, "256", 1, 65536, "N",
     "most commands committed in one transaction"},
    {"db-writers", "KASSA_DB_WRITERS", CFG_INT, &config.db_writers, "2", 1, 64, "N",
     "PostgreSQL writer connections, each committing its own batches (SQLite: always 1)"},
    {"metrics-allow", "KASSA_METRICS_ALLOW", CFG_STR, &config.metrics_allow, "", 0, 0,
     "CIDR[,CIDR...]",
     "addresses that may read GET /metrics without a token; others then get 403 (default: "
     "none, the admin token is needed, 401 without)"},
    {"bank-templates", "KASSA_BANK_TEMPLATES", CFG_STR, &config.bank_templates, NULL, 0, 0, "FILE",
     "bank notification templates (JSON, docs/p2p.md) merged over the shipped ones; read at "
     "start, a bad file stops kassad"},
};

#define CONFIG_ROWS (sizeof(config_table) / sizeof(config_table[0]))

/* Write a message into err (bounded). */
static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* With --check-config every problem is printed here and the load goes on;
 * otherwise the first one ends it. */
static FILE *problems_out;
static int problems_found;

/* A problem's message is in err: -1 to stop (a normal start), or 0 to go
 * on after printing it (--check-config). */
static int problem(const char *err)
{
    problems_found++;
    if (problems_out == NULL)
        return -1;
    fprintf(problems_out, "kassad: %s\n", err);
    return 0;
}

static const struct config_row *row_by_name(const char *name, size_t len)
{
    for (size_t i = 0; i < CONFIG_ROWS; i++) {
        const char *n = config_table[i].name;
        if (strlen(n) != len)
            continue;
        size_t j = 0;
        /* The config file may spell dashes as underscores. */
        while (j < len && (name[j] == n[j] || (name[j] == '_' && n[j] == '-')))
            j++;
        if (j == len)
            return &config_table[i];
    }
    return NULL;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

static int parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    if (*v == '\0' || isspace((unsigned char)*v))
        return -1;
    errno = 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
        return -1;
    *out = (int64_t)n;
    return 0;
}

/* Store `value` into the row's field. `who` names the source in errors
 * ("--threads", "KASSA_THREADS", "kassa.conf:3: threads"). */
static int row_set(const struct config_row *r, const char *value, const char *who, char *err,
                   size_t errlen)
{
    switch (r->type) {
    case CFG_STR: {
        char *copy = strdup(value);
        if (copy == NULL) {
            set_err(err, errlen, "%s: out of memory", who);
            return -1;
        }
        char **slot = r->ptr;
        free(*slot);
        *slot = copy;
        return 0;
    }
    case CFG_BOOL:
        if (parse_bool(value, r->ptr) != 0) {
            set_err(err, errlen, "%s: expected a boolean (1/0/true/false/yes/no), got '%s'", who,
                    value);
            return -1;
        }
        return 0;
    case CFG_INT:
    case CFG_I64: {
        int64_t n;
        if (r->ptr == &config.threads && strcmp(value, "auto") == 0) {
            config.threads = 0; /* config_load resolves it */
            return 0;
        }
        if (parse_int(value, r->min, r->max, &n) != 0) {
            set_err(err, errlen, "%s: expected %san integer between %lld and %lld, got '%s'", who,
                    r->ptr == &config.threads ? "auto or " : "", (long long)r->min,
                    (long long)r->max, value);
            return -1;
        }
        if (r->type == CFG_INT)
            *(int *)r->ptr = (int)n;
        else
            *(int64_t *)r->ptr = n;
        return 0;
    }
    }
    return -1;
}

static void config_reset(void)
{
    for (size_t i = 0; i < CONFIG_ROWS; i++) {
        if (config_table[i].type == CFG_STR) {
            char **slot = config_table[i].ptr;
            free(*slot);
            *slot = NULL;
        }
    }
    memset(&config, 0, sizeof(config));
}

void config_free(void)
{
    config_reset();
}

static int load_defaults(char *err, size_t errlen)
{
    for (size_t i = 0; i < CONFIG_ROWS; i++) {
        const struct config_row *r = &config_table[i];
        if (r->def != NULL && row_set(r, r->def, r->name, err, errlen) != 0)
            return -1;
    }
    return 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Read `name = value` lines from path. */
static int load_file(const char *path, char *err, size_t errlen)
{
    int rc = -1;
    char *line = NULL;
    size_t cap = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        set_err(err, errlen, "--config: cannot open '%s': %s", path, strerror(errno));
        rc = problem(err);
        goto out;
    }
    int lineno = 0;
    while (getline(&line, &cap, f) != -1) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (eq == NULL) {
            set_err(err, errlen, "%s:%d: expected 'name = value', got '%s'", path, lineno, s);
            if (problem(err) != 0)
                goto out;
            continue;
        }
        *eq = '\0';
        char *name = trim(s);
        char *value = trim(eq + 1);
        size_t vlen = strlen(value);
        if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
            value[vlen - 1] = '\0';
            value++;
        }
        const struct config_row *r = row_by_name(name, strlen(name));
        if (r == NULL || r->ptr == &config.config_file) {
            set_err(err, errlen, "%s:%d: unknown option '%s'", path, lineno, name);
            if (problem(err) != 0)
                goto out;
            continue;
        }
        char who[256];
        snprintf(who, sizeof(who), "%s:%d: %s", path, lineno, r->name);
        if (row_set(r, value, who, err, errlen) != 0 && problem(err) != 0)
            goto out;
    }
    if (ferror(f)) {
        set_err(err, errlen, "--config: cannot read '%s'", path);
        rc = problem(err);
        goto out;
    }
    rc = 0;
out:
    free(line);
    if (f != NULL)
        fclose(f);
    return rc;
}

static int load_env(char *err, size_t errlen)
{
    for (size_t i = 0; i < CONFIG_ROWS; i++) {
        const struct config_row *r = &config_table[i];
        const char *v = getenv(r->env);
        if (v == NULL || r->ptr == &config.config_file)
            continue;
        /* An empty variable is as good as unset for everything but strings. */
        if (*v == '\0' && r->type != CFG_STR)
            continue;
        if (row_set(r, v, r->env, err, errlen) != 0 && problem(err) != 0)
            return -1;
    }
    return 0;
}

/* Split argv[i] into a row and a value; advances *i past a separate value.
 * config_only: only resolve --config (first pass). */
static int parse_flags(int argc, char **argv, bool config_only, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--check-config") == 0)
            continue; /* config_load's own */
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (config_only)
                continue; /* the second pass reports it */
            set_err(err, errlen, "unexpected argument '%s'", a);
            if (problem(err) != 0)
                return -1;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq != NULL ? (size_t)(eq - name) : strlen(name);
        const struct config_row *r = NULL;
        for (size_t k = 0; k < CONFIG_ROWS; k++) {
            if (strlen(config_table[k].name) == nlen &&
                strncmp(config_table[k].name, name, nlen) == 0) {
                r = &config_table[k];
                break;
            }
        }
        if (r == NULL) {
            if (config_only)
                continue; /* the second pass reports it */
            set_err(err, errlen, "unknown option --%.*s", (int)nlen, name);
            if (problem(err) != 0)
                return -1;
            continue;
        }
        const char *value;
        if (eq != NULL) {
            value = eq + 1;
        } else if (r->type == CFG_BOOL) {
            value = "true";
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            if (config_only)
                continue; /* the second pass reports it */
            set_err(err, errlen, "--%s: missing value", r->name);
            if (problem(err) != 0)
                return -1;
            continue;
        }
        if (config_only != (r->ptr == &config.config_file))
            continue;
        char who[128];
        snprintf(who, sizeof(who), "--%s", r->name);
        if (row_set(r, value, who, err, errlen) != 0 && problem(err) != 0)
            return -1;
    }
    return 0;
}

/* "host:port" with a port in 0..65535 and a non-empty host. */
static int check_listen(const char *listen, char *err, size_t errlen)
{
    const char *colon = strrchr(listen, ':');
    int64_t port;
    if (colon == NULL || colon == listen || parse_int(colon + 1, 0, 65535, &port) != 0) {
        set_err(err, errlen, "--listen: expected HOST:PORT, got '%s'", listen);
        return -1;
    }
    return 0;
}

/* Ascending comma-separated non-negative integers, at least one. */
static int check_schedule(const char *s, char *err, size_t errlen)
{
    int64_t prev = -1;
    const char *p = s;
    for (;;) {
        char num[32];
        size_t n = strcspn(p, ",");
        int64_t v;
        if (n == 0 || n >= sizeof(num)) {
            goto bad;
        }
        memcpy(num, p, n);
        num[n] = '\0';
        if (parse_int(num, 0, 365 * DAY, &v) != 0 || v <= prev)
            goto bad;
        prev = v;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
bad:
    set_err(err, errlen,
            "--callback-schedule: expected ascending comma-separated seconds "
            "(e.g. %s), got '%s'",
            DEFAULT_CALLBACK_SCHEDULE, s);
    return -1;
}

#define ADMIN_TOKEN_FILE_MAX 4096 /* bytes of an admin token file */

/* The admin token from the file at path (`who` names it in messages): its
 * one line, the trailing line break and blanks dropped. */
static int read_token_file(const char *path, const char *who, char *err, size_t errlen)
{
    char buf[ADMIN_TOKEN_FILE_MAX + 2];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        set_err(err, errlen, "%s: cannot read '%s': %s", who, path, strerror(errno));
        return -1;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        set_err(err, errlen, "%s: cannot read '%s'", who, path);
        return -1;
    }
    if (n > ADMIN_TOKEN_FILE_MAX) {
        set_err(err, errlen, "%s: '%s' is longer than %d bytes: not a token", who, path,
                ADMIN_TOKEN_FILE_MAX);
        return -1;
    }
    while (n > 0 && isspace((unsigned char)buf[n - 1]))
        n--;
    buf[n] = '\0';
    if (n == 0) {
        set_err(err, errlen, "%s: '%s' is empty", who, path);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)buf[i] <= ' ' || buf[i] == 0x7f) {
            set_err(err, errlen,
                    "%s: '%s' holds a space, a control character or more than one line: the "
                    "token is its one line",
                    who, path);
            return -1;
        }
    }
    char *copy = strdup(buf);
    if (copy == NULL) {
        set_err(err, errlen, "out of memory");
        return -1;
    }
    free(config.admin_token);
    config.admin_token = copy;
    return 0;
}

/* Where the admin token comes from: --admin-token, --admin-token-file, or
 * (neither given) the credential systemd's LoadCredential=admin-token:...
 * put in $CREDENTIALS_DIRECTORY; then its length. */
static int check_admin_token(char *err, size_t errlen)
{
    bool has_token = config.admin_token != NULL && config.admin_token[0] != '\0';
    bool has_file = config.admin_token_file != NULL && config.admin_token_file[0] != '\0';
    if (has_token && has_file) {
        set_err(err, errlen,
                "--admin-token and --admin-token-file (KASSA_ADMIN_TOKEN, "
                "KASSA_ADMIN_TOKEN_FILE): give one, not both");
        return -1;
    }
    const char *who = "--admin-token (KASSA_ADMIN_TOKEN)";
    char path[4096];
    if (has_file) {
        if (read_token_file(config.admin_token_file, "--admin-token-file", err, errlen) != 0)
            return -1;
        who = "--admin-token-file (KASSA_ADMIN_TOKEN_FILE)";
    } else {
        const char *creds = getenv("CREDENTIALS_DIRECTORY");
        snprintf(path, sizeof path, "%s/admin-token", creds != NULL ? creds : "");
        if (!has_token && creds != NULL && creds[0] != '\0' && access(path, F_OK) == 0) {
            if (read_token_file(path, "the admin-token credential", err, errlen) != 0)
                return -1;
            who = "the admin-token credential";
        } else if (!has_token) {
            set_err(err, errlen,
                    "--admin-token (KASSA_ADMIN_TOKEN) or --admin-token-file "
                    "(KASSA_ADMIN_TOKEN_FILE) is required");
            return -1;
        }
    }
    if (strlen(config.admin_token) < ADMIN_TOKEN_MIN) {
        /* It opens every shop's money: a short one is guessed. */
        set_err(err, errlen, "%s: at least %d characters, got %zu (e.g. openssl rand -hex 24)", who,
                ADMIN_TOKEN_MIN, strlen(config.admin_token));
        return -1;
    }
    return 0;
}

/* http(s)://HOST[:PORT][/PATH]: what payers' links are built on. */
static int check_public_url(const char *url, char *err, size_t errlen)
{
    const char *host = strncmp(url, "https://", 8) == 0  ? url + 8
                       : strncmp(url, "http://", 7) == 0 ? url + 7
                                                         : NULL;
    bool ok = host != NULL && *host != '\0' && *host != '/' && *host != ':';
    for (const char *p = url; ok && *p != '\0'; p++)
        ok = (unsigned char)*p > ' ' && *p != 0x7f && *p != '?' && *p != '#';
    if (!ok) {
        set_err(err, errlen,
                "--public-url (KASSA_PUBLIC_URL): expected http(s)://HOST[:PORT][/PATH] without "
                "query or fragment, got '%s'",
                url);
        return -1;
    }
    return 0;
}

/* Each check: 0, or -1 with the message in err. check_values runs them all
 * and hands each failure to problem(). */
static int check_db(char *err, size_t errlen)
{
    if (strncmp(config.db, "sqlite:", 7) != 0 && strncmp(config.db, "postgresql://", 13) != 0 &&
        strncmp(config.db, "postgres://", 11) != 0) {
        set_err(err, errlen, "--db: expected sqlite:PATH or postgresql://..., got '%s'", config.db);
        return -1;
    }
    if (strcmp(config.db, "sqlite:") == 0) {
        set_err(err, errlen, "--db: expected sqlite:PATH, the path is empty");
        return -1;
    }
    char msg[512];
    if (config.check_only && store_check(config.db, msg, sizeof msg) != KASSA_OK) {
        set_err(err, errlen, "--db: %s", msg);
        return -1;
    }
    return 0;
}

static int check_log_level(char *err, size_t errlen)
{
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
        if (strcmp(config.log_level, levels[i]) == 0)
            return 0;
    set_err(err, errlen, "--log-level: expected debug, info, warn or error, got '%s'",
            config.log_level);
    return -1;
}

static int check_order_amounts(char *err, size_t errlen)
{
    char msg[256];
    if (core_set_amount_limits(config.max_order_amount, false, msg, sizeof msg) != 0) {
        set_err(err, errlen, "--max-order-amount: %s", msg);
        return -1;
    }
    return 0;
}

static int check_withdrawal_amounts(char *err, size_t errlen)
{
    char msg[256];
    if (core_set_amount_limits(config.max_withdrawal_amount, true, msg, sizeof msg) != 0) {
        set_err(err, errlen, "--max-withdrawal-amount: %s", msg);
        return -1;
    }
    return 0;
}

/* The checks below that look beyond the text (--check-config only): they
 * open files, resolve names and connect to the database. */
static int check_listen_value(char *err, size_t errlen)
{
    if (check_listen(config.listen, err, errlen) != 0)
        return -1;
    struct sockaddr_storage ss;
    socklen_t len;
    bool v6;
    char msg[256];
    if (config.check_only && listen_resolve(config.listen, &ss, &len, &v6, msg, sizeof msg) != 0) {
        set_err(err, errlen, "--listen: %s", msg);
        return -1;
    }
    return 0;
}

static int check_schedule_value(char *err, size_t errlen)
{
    return check_schedule(config.callback_schedule, err, errlen);
}

static int check_metrics_allow(char *err, size_t errlen)
{
    struct metrics_allow allow;
    return metrics_allow_parse(config.metrics_allow, &allow, err, errlen) != 0 ? -1 : 0;
}

static int check_upload(char *err, size_t errlen)
{
    if (config.max_upload < config.max_body) {
        set_err(err, errlen, "--max-upload: must be at least --max-body (%lld), got %lld",
                (long long)config.max_body, (long long)config.max_upload);
        return -1;
    }
    return 0;
}

static int check_tls_pair(char *err, size_t errlen)
{
    bool has_cert = config.tls_cert != NULL && config.tls_cert[0] != '\0';
    bool has_key = config.tls_key != NULL && config.tls_key[0] != '\0';
    if (has_cert != has_key) {
        set_err(err, errlen,
                "--tls-cert and --tls-key (KASSA_TLS_CERT, KASSA_TLS_KEY) go together: "
                "%s is missing",
                has_cert ? "--tls-key" : "--tls-cert");
        return -1;
    }
    if (config.check_only && has_cert) {
        /* The start-up's own load: readable, parsed, the key the certificate's. */
        int rc = tls_load(config.tls_cert, config.tls_key, err, errlen);
        tls_free();
        return rc;
    }
    return 0;
}

/* The default public URL (http[s]://LISTEN), or the given one without a
 * trailing slash (links are built as public_url + "/path"), checked. */
static int settle_public_url(char *err, size_t errlen)
{
    if (config.public_url == NULL || config.public_url[0] == '\0') {
        bool tls = config.tls_cert != NULL && config.tls_cert[0] != '\0';
        size_t n = strlen(config.listen) + sizeof("https://");
        char *url = malloc(n);
        if (url == NULL) {
            set_err(err, errlen, "out of memory");
            return -1;
        }
        snprintf(url, n, "%s://%s", tls ? "https" : "http", config.listen);
        free(config.public_url);
        config.public_url = url;
        return 0;
    }
    size_t n = strlen(config.public_url);
    while (n > 1 && config.public_url[n - 1] == '/')
        config.public_url[--n] = '\0';
    return check_public_url(config.public_url, err, errlen);
}

static void resolve_threads(void)
{
    if (config.threads != 0)
        return;
    /* auto. SQLite reads are local and short: one thread per CPU, as a
     * write waits for its commit suspended, not in a thread (fewer
     * threads, fewer wake-ups: 2 instead of 8 threads on 2 CPUs served
     * ~10 % more reads, bench/README). A PostgreSQL read holds its
     * thread for a network round trip: more threads. */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    bool sqlite = strncmp(config.db, "sqlite:", 7) == 0;
    long n = sqlite ? cpus : 4 * cpus;
    long floor = sqlite ? 2 : 8;
    config.threads = (int)(n < floor ? floor : n > 256 ? 256 : n);
}

/* --check-config reads the operator's bank templates as a start would
 * (main.c loads them, a bad file stopping kassad). */
static int check_bank_templates(char *err, size_t errlen)
{
    if (!config.check_only || config.bank_templates == NULL || config.bank_templates[0] == '\0')
        return 0;
    struct banknote_templates *set = NULL;
    kassa_err rc = banknote_templates_load(config.bank_templates, &set, err, errlen);
    banknote_templates_free(set);
    return rc == KASSA_OK ? 0 : -1;
}

static int check_values(char *err, size_t errlen)
{
    static int (*const checks[])(char *, size_t) = {
        check_listen_value,   check_db,
        check_log_level,      check_schedule_value,
        check_order_amounts,  check_withdrawal_amounts,
        check_metrics_allow,  check_upload,
        check_admin_token,    check_tls_pair,
        check_bank_templates, settle_public_url,
    };
    resolve_threads();
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        if (checks[i](err, errlen) != 0 && problem(err) != 0)
            return -1;
    return 0;
}

int config_load(int argc, char **argv, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    config_reset();

    problems_out = NULL;
    problems_found = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check-config") == 0) {
            config.check_only = true;
            problems_out = stderr;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_usage(stdout);
            return 1;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("kassad %s\n", KASSA_VERSION);
            return 1;
        }
    }

    if (load_defaults(err, errlen) != 0)
        return -1;
    /* The file to read: --config beats KASSA_CONFIG. */
    const char *env_file = getenv("KASSA_CONFIG");
    if (env_file != NULL && env_file[0] != '\0' &&
        row_set(row_by_name("config", 6), env_file, "KASSA_CONFIG", err, errlen) != 0)
        return -1;
    if (parse_flags(argc, argv, true, err, errlen) != 0)
        return -1;
    if (config.config_file != NULL && config.config_file[0] != '\0' &&
        load_file(config.config_file, err, errlen) != 0)
        return -1;
    if (load_env(err, errlen) != 0)
        return -1;
    if (parse_flags(argc, argv, false, err, errlen) != 0)
        return -1;
    if (check_values(err, errlen) != 0)
        return -1;
    /* --check-config: each problem went to stderr already. */
    return problems_found > 0 ? -1 : 0;
}

void config_usage(FILE *out)
{
    fprintf(out, "Usage: kassad [OPTIONS]\n\n"
                 "kassa payment gateway server. Every option is also an environment variable\n"
                 "and a --config file key (the name without dashes); flags override the\n"
                 "environment, which overrides the file.\n\n"
                 "Options:\n");
    for (size_t i = 0; i < CONFIG_ROWS; i++) {
        const struct config_row *r = &config_table[i];
        char flag[96];
        if (r->arg != NULL)
            snprintf(flag, sizeof(flag), "--%s %s", r->name, r->arg);
        else
            snprintf(flag, sizeof(flag), "--%s", r->name);
        fprintf(out, "  %-34s %s\n", flag, r->help);
        if (r->def != NULL)
            fprintf(out, "  %-34s env %s, default %s\n", "", r->env, r->def);
        else
            fprintf(out, "  %-34s env %s\n", "", r->env);
    }
    fprintf(out, "  %-34s %s\n  %-34s %s\n", "--check-config",
            "check the configuration (files, database, TLS pair) and exit: 0 and "
            "\"configuration ok\", or 2 and each problem on stderr",
            "", "(docs/OPERATIONS.md); starts nothing");
    fprintf(out, "  %-34s %s\n  %-34s %s\n", "--help", "print this help and exit", "--version",
            "print the version and exit");
}
