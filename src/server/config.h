/* config.h: kassad's configuration, one table (config.c) drives the flags,
 * the KASSA_* environment variables, the --config file and --help.
 *
 * Precedence: defaults < --config file < environment < flags. */
#ifndef KASSA_CONFIG_H
#define KASSA_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct config {
    char *listen;            /* --listen HOST:PORT        KASSA_LISTEN  (127.0.0.1:8080) */
    char *db;                /* --db sqlite:PATH|postgresql://...  KASSA_DB (sqlite:var/kassa.db) */
    char *admin_token;       /* --admin-token             KASSA_ADMIN_TOKEN (required) */
    char *admin_token_file;  /* --admin-token-file FILE KASSA_ADMIN_TOKEN_FILE */
    char *public_url;        /* --public-url              KASSA_PUBLIC_URL (http[s]://LISTEN) */
    char *tls_cert;          /* --tls-cert FILE           KASSA_TLS_CERT (none: plain HTTP) */
    char *tls_key;           /* --tls-key FILE            KASSA_TLS_KEY */
    char *config_file;       /* --config FILE             KASSA_CONFIG */
    bool test_clock;         /* --test-clock              KASSA_TEST_CLOCK */
    bool reversal_keeps_fee; /* --reversal-keeps-fee KASSA_REVERSAL_KEEPS_FEE */
    bool allow_private_callbacks;  /* --allow-private-callbacks KASSA_ALLOW_PRIVATE_CALLBACKS */
    int threads;                   /* --threads N|auto          KASSA_THREADS (auto) */
    int64_t max_body;              /* --max-body BYTES          KASSA_MAX_BODY (65536) */
    int64_t max_upload;            /* --max-upload BYTES        KASSA_MAX_UPLOAD (3 MiB + 64 KiB) */
    int max_connections;           /* --max-connections N       KASSA_MAX_CONNECTIONS (1024) */
    int request_timeout;           /* --request-timeout SEC     KASSA_REQUEST_TIMEOUT (60) */
    char *max_order_amount;        /* --max-order-amount LIST   KASSA_MAX_ORDER_AMOUNT ("") */
    char *max_withdrawal_amount;   /* --max-withdrawal-amount LIST KASSA_MAX_WITHDRAWAL_AMOUNT */
    int timestamp_window;          /* --timestamp-window SEC    KASSA_TIMESTAMP_WINDOW (300) */
    char *log_level;               /* --log-level debug|info|warn|error  KASSA_LOG_LEVEL (info) */
    int panda_order_ttl;           /* --panda-order-ttl SEC     KASSA_PANDA_ORDER_TTL (900) */
    int tegro_order_ttl;           /* --tegro-order-ttl SEC     KASSA_TEGRO_ORDER_TTL (86400) */
    int auth_fail_limit;           /* --auth-fail-limit N        KASSA_AUTH_FAIL_LIMIT (20) */
    char *console_chartjs;         /* --console-chartjs FILE    KASSA_CONSOLE_CHARTJS */
    int bank_message_grace;        /* --bank-message-grace SEC   KASSA_BANK_MESSAGE_GRACE (600) */
    int auth_fail_window;          /* --auth-fail-window SEC     KASSA_AUTH_FAIL_WINDOW (60) */
    int idempotency_ttl;           /* --idempotency-ttl SEC     KASSA_IDEMPOTENCY_TTL (86400) */
    int callback_timeout;          /* --callback-timeout SEC    KASSA_CALLBACK_TIMEOUT (15) */
    char *callback_schedule;       /* --callback-schedule LIST  KASSA_CALLBACK_SCHEDULE */
    int callback_host_connections; /* --callback-host-connections N KASSA_CALLBACK_HOST_CONNECTIONS
                                      (16) */
    int db_pool;                   /* --db-pool N               KASSA_DB_POOL (8) */
    int batch_max;                 /* --batch-max N             KASSA_BATCH_MAX (256) */
    int db_writers;                /* --db-writers N            KASSA_DB_WRITERS (4; SQLite: 1) */
    bool check_only;      /* --check-config: check (files, database, TLS too), start nothing */
    char *metrics_allow;  /* --metrics-allow CIDR,...  KASSA_METRICS_ALLOW ("") */
    char *bank_templates; /* --bank-templates FILE     KASSA_BANK_TEMPLATES (none) */
};

/* The process-wide configuration; read-only once config_load returned. */
extern struct config config;

/* Load defaults, then the --config file, environment and flags.
 * Returns 0 to run, 1 when --help/--version printed (exit 0), -1 on a bad
 * value (message in err, exit 2). With --check-config (config.check_only)
 * it also opens what the configuration names (the TLS pair, the database,
 * the listen address's name) and goes on past a problem: each is printed
 * to stderr as "kassad: <message>", and -1 means at least one was. */
int config_load(int argc, char **argv, char *err, size_t errlen);

/* --help text, generated from the table. */
void config_usage(FILE *out);

/* Free what config_load allocated. */
void config_free(void);

#endif
