/* main.c: kassad: configuration, store, writer, HTTP; then wait for
 * SIGTERM/SIGINT and shut down in order (stop accepting, finish requests in
 * flight, drain the writer, close the store). */
#include <signal.h>
#include <sys/stat.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "callback/dispatcher.h"
#include "base/clock.h"
#include "base/crashpoint.h"
#include "core/core.h"
#include "core/query.h"
#include "config.h"
#include "dialect/dialect.h"
#include "dialect/console/console.h"
#include "txn/submit.h"
#include "http/http.h"
#include "base/log.h"
#include "metrics.h"
#include "router.h"
#include "server.h"
#include "http/tls.h"
#include "provider/banknotes.h"

static enum log_level parse_level(const char *s)
{
    if (s == NULL)
        return LOG_INFO;
    if (strcmp(s, "debug") == 0)
        return LOG_DEBUG;
    if (strcmp(s, "warn") == 0)
        return LOG_WARN;
    if (strcmp(s, "error") == 0)
        return LOG_ERROR;
    return LOG_INFO;
}

/* The sweeper's tasks, each in the writer's next batch (the core knows no
 * writer: core_run_fn). */
static kassa_err run_on_writer(struct store_task *task)
{
    return writer_run(app.writer, task);
}

/* After a commit that wrote order events, wake the dispatcher. */
static void kick_on_events(void)
{
    if (core_take_new_events())
        dispatcher_kick();
}

/* The dispatcher's deliveries in flight, for the admin API. */
static int64_t callbacks_in_flight(void)
{
    struct dispatcher_counters dc;
    dispatcher_counters(&dc);
    return dc.in_flight;
}

/* The writer's queue and last commit, for the admin overview. */
static void writer_state(int64_t *queued, int64_t *last_commit_us)
{
    *queued = app.writer != NULL ? writer_queued(app.writer) : 0;
    *last_commit_us = app.writer != NULL ? writer_last_commit_us(app.writer) : 0;
}

/* The core's settings: the registry's merchant dialects, with the order
 * TTLs the configuration gives (--panda-order-ttl, --tegro-order-ttl). */
static void configure_core(void)
{
    static const struct {
        const char *dialect;
        const int *ttl;
    } ttls[] = {{"panda", &config.panda_order_ttl}, {"tegro", &config.tegro_order_ttl}};
    struct core_settings cs = {.idempotency_ttl = config.idempotency_ttl,
                               .auth_fail_limit = config.auth_fail_limit,
                               .auth_fail_window = config.auth_fail_window,
                               .reversal_keeps_fee = config.reversal_keeps_fee,
                               .bank_message_grace = config.bank_message_grace};
    cs.n_dialects = dialect_core_dialects(cs.dialects, SHOP_DIALECTS_MAX);
    for (int i = 0; i < cs.n_dialects; i++)
        for (size_t j = 0; j < sizeof ttls / sizeof ttls[0]; j++)
            if (strcmp(cs.dialects[i].name, ttls[j].dialect) == 0 && *ttls[j].ttl > 0)
                cs.dialects[i].order_ttl = *ttls[j].ttl;
    core_configure(&cs);
    console_configure(config.console_chartjs);
}

/* The console's session cookie is Secure when kassad serves TLS or is
 * reached through an https public URL (a TLS-terminating proxy). */
static bool secure_cookies(void)
{
    return (config.tls_cert != NULL && config.tls_cert[0] != '\0') ||
           (config.public_url != NULL && strncmp(config.public_url, "https://", 8) == 0);
}

int main(int argc, char **argv)
{
    /* Everything kassad creates (the SQLite database, its WAL and shared
     * memory, their directory) holds every shop's secrets: owner only. */
    umask(077);
    char err[512] = "";
    int rc = config_load(argc, argv, err, sizeof err);
    if (rc == 1)
        return 0;
    if (config.check_only) {
        /* Each problem is on stderr already (config.h). */
        if (rc == 0)
            printf("kassad: configuration ok (listen %s, db %s, public URL %s, %s)\n",
                   config.listen, strncmp(config.db, "sqlite:", 7) == 0 ? "SQLite" : "PostgreSQL",
                   config.public_url,
                   config.tls_cert != NULL && config.tls_cert[0] ? "HTTPS" : "HTTP");
        config_free();
        return rc == 0 ? 0 : 2;
    }
    if (rc != 0) {
        fprintf(stderr, "kassad: %s\n", err);
        fprintf(stderr, "Try 'kassad --help'.\n");
        return 2;
    }
    log_set_level(parse_level(config.log_level));
    /* The certificate before anything else: a missing or mismatched file is
     * a start-up error like a bad flag, found before the database opens. */
    if (config.tls_cert != NULL && config.tls_cert[0] != '\0' &&
        tls_load(config.tls_cert, config.tls_key, err, sizeof err) != 0) {
        fprintf(stderr, "kassad: %s\n", err);
        config_free();
        return 2;
    }

    /* The bank notification templates likewise: a bad operator's file
     * names its template and field, and kassad does not start. */
    struct banknote_templates *bank_templates = NULL;
    if (banknote_templates_load(config.bank_templates, &bank_templates, err, sizeof err) !=
        KASSA_OK) {
        fprintf(stderr, "kassad: %s\n", err);
        tls_free();
        config_free();
        return 2;
    }
    banknotes_install(bank_templates);

    clock_init(config.test_clock);
    crashpoint_init(config.test_clock); /* KASSA_CRASHPOINT, for crash tests only */

    /* Every thread started from here on inherits the blocked set; the main
     * thread takes the signals with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    int status = 1;
    bool sweeper_running = false;
    /* The URL may hold a password: logs get it redacted. */
    char db_shown[1024];
    store_url_redacted(config.db, db_shown, sizeof db_shown);
    store_configure(
        &(struct store_options){.read_pool = config.db_pool, .reader_threads = config.threads});
    configure_core();
    if (store_open(config.db, &app.store, err, sizeof err) != KASSA_OK) {
        log_error("cannot open the database", "db=\"%s\" error=\"%s\"", db_shown, err);
        goto out;
    }
    /* A moved test clock goes on from where it was, timers included. */
    if (clock_restore(app.store) != KASSA_OK) {
        log_error("cannot read the test clock's offset");
        goto out;
    }
    app.writer = writer_start_n(app.store, config.batch_max, config.db_writers);
    if (app.writer == NULL) {
        log_error("cannot start the writer");
        goto out;
    }
    core_use_store(app.store);
    submit_use_writer(app.writer);
    dialect_configure(&(struct dialect_settings){.public_url = config.public_url,
                                                 .timestamp_window = config.timestamp_window,
                                                 .admin_token = config.admin_token,
                                                 .max_upload = config.max_upload,
                                                 .callbacks_kick = dispatcher_kick,
                                                 .callbacks_in_flight = callbacks_in_flight,
                                                 .writer_state = writer_state,
                                                 .secure_cookies = secure_cookies()});
    if (sweeper_start(run_on_writer) != KASSA_OK) {
        log_error("cannot start the expiry sweeper");
        goto out;
    }
    sweeper_running = true;
    struct dispatcher_options dopts = {.schedule = config.callback_schedule,
                                       .timeout_s = config.callback_timeout,
                                       .host_connections = config.callback_host_connections,
                                       .allow_private = config.allow_private_callbacks};
    if (dispatcher_start(app.writer, &dopts) != KASSA_OK) {
        log_error("cannot start the callback dispatcher");
        goto out;
    }
    writer_on_commit(app.writer, kick_on_events);
    if (metrics_setup(config.metrics_allow, config.admin_token, err, sizeof err) != 0) {
        log_error("bad --metrics-allow", "error=\"%s\"", err);
        goto out;
    }
    router_setup();
    http_set_limits(config.max_connections, config.request_timeout);
    if (http_start(config.listen, config.threads, (size_t)config.max_body,
                   (size_t)config.max_upload, router_handle, err, sizeof err) != 0) {
        log_error("cannot listen", "listen=%s error=\"%s\"", config.listen, err);
        goto out;
    }
    log_info("kassad ready", "listen=%s port=%u db=\"%s\" public_url=%s test_clock=%d",
             config.listen, (unsigned)http_port(), db_shown, config.public_url,
             (int)config.test_clock);
    /* Start-up lines are written synchronously, so whoever sees the port
     * answer also finds them in the log; from here on lines go through the
     * logger thread (after the signal mask: it must not take signals). */
    if (log_start_async() != 0)
        fprintf(stderr, "kassad: logging synchronously (no logger thread)\n");

    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP) {
        /* SIGHUP: read the certificate and key again; open connections
         * keep theirs, new handshakes get the new pair. A bad file keeps
         * the pair in use. */
        if (!tls_enabled())
            log_info("SIGHUP: nothing to reload (no --tls-cert)");
        else if (tls_reload(err, sizeof err) != 0)
            log_error("TLS reload failed; still serving the previous certificate", "error=\"%s\"",
                      err);
    }
    log_info("shutting down", "signal=%d", sig);
    core_backup_cancel(); /* a backup being copied ends now, answered 503 */
    http_stop();
    status = 0;
out:
    dispatcher_stop(); /* before the writer: it gives its claims back */
    if (sweeper_running)
        sweeper_stop();
    writer_stop(app.writer);
    store_close(app.store);
    if (status == 0)
        log_info("stopped");
    tls_free(); /* after http_stop: no handshake can still use a pair */
    banknotes_install(NULL);
    banknote_templates_free(bank_templates);
    config_free();
    log_stop_async();
    return status;
}
