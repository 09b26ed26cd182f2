/* tls.h: the certificate and key kassad serves HTTPS with, reloadable.
 *
 * libmicrohttpd does the TLS (GnuTLS); it asks tls_retrieve for the pair at
 * every handshake, so a reload (SIGHUP) takes effect for the next handshake
 * without touching open connections. A replaced pair is freed once every
 * connection that was open when it was replaced has closed: only those can
 * have handshaken with it. http.c reports connections opening and closing
 * (tls_conn_open, tls_conn_close). */
#ifndef KASSA_TLS_H
#define KASSA_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/* Load the PEM certificate chain and private key from the two files, check
 * that the key is the certificate's, and serve them from now on. 0, or -1
 * with a message naming the file and the reason in err (nothing changes). */
int tls_load(const char *cert_file, const char *key_file, char *err, size_t errlen);

/* Load the same two files again (tls_load's checks); on failure the pair in
 * use stays. 0, or -1 with the reason in err. */
int tls_reload(char *err, size_t errlen);

/* True once tls_load succeeded. */
bool tls_enabled(void);

/* GnuTLS's certificate retrieval callback (gnutls_certificate_retrieve_function2),
 * for MHD_OPTION_HTTPS_CERT_CALLBACK: the pair currently served. */
int tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                 const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                 gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *pkey);

/* A connection opened: returns a token for tls_conn_close. */
uint64_t tls_conn_open(void);

/* That connection closed: frees the replaced pairs no open connection can
 * still be using. */
void tls_conn_close(uint64_t token);

/* Pairs held in memory: the one served plus replaced ones still in use by
 * connections (for tests and the log). */
int tls_pairs_held(void);

/* Free every pair (at exit, after the HTTP daemon stopped). */
void tls_free(void);

#endif
