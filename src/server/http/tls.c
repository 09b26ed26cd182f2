/* tls.c: the served certificate and key, reloadable (see tls.h).
 *
 * GnuTLS keeps pointers to the pair tls_retrieve returned for as long as the
 * session lives, so a replaced pair cannot be freed at once. Connections
 * carry the generation they opened in; a pair replaced at generation G can
 * only have been handed to connections opened before G, and it is freed when
 * the last of those closes (`holders` counts them down). */
#include "tls.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/x509.h>

#include "base/log.h"

#define TLS_MAX_CHAIN 16           /* certificates in one chain */
#define TLS_MAX_FILE (1024 * 1024) /* a PEM file larger than this is refused */

struct tls_pair {
    gnutls_pcert_st pcerts[TLS_MAX_CHAIN];
    unsigned int ncerts;
    gnutls_privkey_t key;
    uint64_t replaced_at;  /* the generation that replaced it; 0 while served */
    uint64_t holders;      /* open connections opened before replaced_at */
    struct tls_pair *next; /* the replaced pairs still held */
};

static struct {
    pthread_mutex_t mu;
    struct tls_pair *current;
    struct tls_pair *replaced;
    uint64_t gen;  /* bumped by every reload; connections carry theirs */
    uint64_t open; /* connections open now */
    int held;      /* pairs allocated */
    char *cert_file;
    char *key_file;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER, .gen = 1};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static void pair_free(struct tls_pair *p)
{
    if (p == NULL)
        return;
    for (unsigned int i = 0; i < p->ncerts; i++)
        gnutls_pcert_deinit(&p->pcerts[i]);
    if (p->key != NULL)
        gnutls_privkey_deinit(p->key);
    free(p);
}

/* The whole file, NUL-terminated, into *out (malloc'ed). */
static int read_file(const char *what, const char *path, gnutls_datum_t *out, char *err,
                     size_t errlen)
{
    int rc = -1;
    unsigned char *buf = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        set_err(err, errlen, "cannot read the TLS %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > TLS_MAX_FILE) {
        set_err(err, errlen, "the TLS %s %s is not a PEM file of at most %d bytes", what, path,
                TLS_MAX_FILE);
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        set_err(err, errlen, "cannot read the TLS %s %s: out of memory", what, path);
        goto out;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            set_err(err, errlen, "cannot read the TLS %s %s: %s", what, path,
                    n < 0 ? strerror(errno) : "file shrank while read");
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    out->data = buf;
    out->size = (unsigned int)got;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The certificate's expiry, as "2027-12-07T00:00:00Z" into out; -1 if unknown. */
static time_t cert_expiry(const gnutls_pcert_st *pc, char *out, size_t outlen)
{
    gnutls_x509_crt_t crt;
    time_t t = -1;
    if (gnutls_x509_crt_init(&crt) == 0) {
        if (gnutls_x509_crt_import(crt, &pc->cert, GNUTLS_X509_FMT_DER) == 0)
            t = gnutls_x509_crt_get_expiration_time(crt);
        gnutls_x509_crt_deinit(crt);
    }
    struct tm tm;
    if (t == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
        strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, outlen, "unknown");
    return t;
}

/* True when key is the private half of the certificate's public key. */
static bool key_matches(gnutls_privkey_t key, gnutls_pubkey_t cert_pub)
{
    gnutls_pubkey_t pub = NULL;
    unsigned char a[64], b[64];
    size_t alen = sizeof a, blen = sizeof b;
    bool ok = gnutls_pubkey_init(&pub) == 0 && gnutls_pubkey_import_privkey(pub, key, 0, 0) == 0 &&
              gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, a, &alen) == 0 &&
              gnutls_pubkey_get_key_id(cert_pub, GNUTLS_KEYID_USE_SHA256, b, &blen) == 0 &&
              alen == blen && memcmp(a, b, alen) == 0;
    if (pub != NULL)
        gnutls_pubkey_deinit(pub);
    return ok;
}

/* A new pair from the two files, checked; NULL with err. */
static struct tls_pair *pair_load(const char *cert_file, const char *key_file, char *err,
                                  size_t errlen)
{
    gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
    struct tls_pair *p = calloc(1, sizeof *p);
    int r;
    if (p == NULL) {
        set_err(err, errlen, "out of memory");
        goto fail;
    }
    if (read_file("certificate", cert_file, &cert, err, errlen) != 0 ||
        read_file("key", key_file, &key, err, errlen) != 0)
        goto fail;
    p->ncerts = TLS_MAX_CHAIN;
    r = gnutls_pcert_list_import_x509_raw(p->pcerts, &p->ncerts, &cert, GNUTLS_X509_FMT_PEM, 0);
    if (r < 0) {
        p->ncerts = 0;
        set_err(err, errlen, "the TLS certificate %s holds no usable PEM certificate chain: %s",
                cert_file, gnutls_strerror(r));
        goto fail;
    }
    if ((r = gnutls_privkey_init(&p->key)) < 0 ||
        (r = gnutls_privkey_import_x509_raw(p->key, &key, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        set_err(err, errlen,
                "the TLS key %s holds no usable PEM private key (an unencrypted key is "
                "needed): %s",
                key_file, gnutls_strerror(r));
        goto fail;
    }
    if (!key_matches(p->key, p->pcerts[0].pubkey)) {
        set_err(err, errlen, "the TLS key %s does not belong to the certificate %s", key_file,
                cert_file);
        goto fail;
    }
    goto out;
fail:
    pair_free(p);
    p = NULL;
out:
    free(cert.data);
    if (key.data != NULL) {
        explicit_bzero(key.data, key.size); /* a private key: leave no copy behind */
        free(key.data);
    }
    return p;
}

static void log_loaded(const char *what, struct tls_pair *p)
{
    char until[32];
    time_t t = cert_expiry(&p->pcerts[0], until, sizeof until);
    if (t != (time_t)-1 && t < time(NULL))
        log_warn("TLS certificate has expired", "action=%s cert=\"%s\" expires=%s", what,
                 T.cert_file, until);
    else
        log_info("TLS certificate loaded", "action=%s cert=\"%s\" chain=%u expires=%s", what,
                 T.cert_file, p->ncerts, until);
}

int tls_load(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    struct tls_pair *p = pair_load(cert_file, key_file, err, errlen);
    if (p == NULL)
        return -1;
    char *c = strdup(cert_file), *k = strdup(key_file);
    if (c == NULL || k == NULL) {
        free(c);
        free(k);
        pair_free(p);
        set_err(err, errlen, "out of memory");
        return -1;
    }
    tls_free();
    pthread_mutex_lock(&T.mu);
    T.cert_file = c;
    T.key_file = k;
    T.current = p;
    T.held = 1;
    pthread_mutex_unlock(&T.mu);
    log_loaded("load", p);
    return 0;
}

int tls_reload(char *err, size_t errlen)
{
    if (!tls_enabled()) {
        set_err(err, errlen, "TLS is not configured");
        return -1;
    }
    struct tls_pair *p = pair_load(T.cert_file, T.key_file, err, errlen);
    if (p == NULL)
        return -1;
    pthread_mutex_lock(&T.mu);
    struct tls_pair *old = T.current;
    T.current = p;
    T.held++;
    old->replaced_at = ++T.gen;
    old->holders = T.open;
    if (old->holders == 0) {
        pair_free(old);
        T.held--;
    } else {
        old->next = T.replaced;
        T.replaced = old;
    }
    pthread_mutex_unlock(&T.mu);
    log_loaded("reload", p);
    return 0;
}

bool tls_enabled(void)
{
    pthread_mutex_lock(&T.mu);
    bool on = T.current != NULL;
    pthread_mutex_unlock(&T.mu);
    return on;
}

int tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                 gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
    (void)session;
    (void)req_ca_rdn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    pthread_mutex_lock(&T.mu);
    struct tls_pair *p = T.current;
    if (p != NULL) {
        *pcert = p->pcerts;
        *pcert_length = p->ncerts;
        *pkey = p->key;
    }
    pthread_mutex_unlock(&T.mu);
    return p != NULL ? 0 : -1;
}

uint64_t tls_conn_open(void)
{
    pthread_mutex_lock(&T.mu);
    T.open++;
    uint64_t gen = T.gen;
    pthread_mutex_unlock(&T.mu);
    return gen;
}

void tls_conn_close(uint64_t token)
{
    pthread_mutex_lock(&T.mu);
    if (T.open > 0)
        T.open--;
    for (struct tls_pair **pp = &T.replaced; *pp != NULL;) {
        struct tls_pair *p = *pp;
        if (token < p->replaced_at && --p->holders == 0) {
            *pp = p->next;
            pair_free(p);
            T.held--;
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&T.mu);
}

int tls_pairs_held(void)
{
    pthread_mutex_lock(&T.mu);
    int n = T.held;
    pthread_mutex_unlock(&T.mu);
    return n;
}

void tls_free(void)
{
    pthread_mutex_lock(&T.mu);
    pair_free(T.current);
    T.current = NULL;
    while (T.replaced != NULL) {
        struct tls_pair *p = T.replaced;
        T.replaced = p->next;
        pair_free(p);
    }
    T.held = 0;
    free(T.cert_file);
    free(T.key_file);
    T.cert_file = T.key_file = NULL;
    pthread_mutex_unlock(&T.mu);
}
