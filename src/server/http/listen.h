/* listen.h: the listening socket, and the open-file limit the connection
 * limit needs (listen.c). */
#ifndef KASSA_HTTP_LISTEN_H
#define KASSA_HTTP_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Split "host:port" (or "[v6]:port") and resolve it: 0, or -1 with err. */
int listen_resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
                   char *err, size_t errlen);

/* The non-blocking listening socket for ss (SO_REUSEADDR, SO_REUSEPORT;
 * IPv6 only on an IPv6 address), or -1 with err naming listen_addr. */
int listen_socket(const struct sockaddr_storage *ss, socklen_t sslen, bool v6, char *err,
                  size_t errlen, const char *listen_addr);

/* Raise the open-file limit to what mhd_limit connections need (plus the
 * database, log and callback descriptors); when the hard limit is lower,
 * the connection limit that fits (logged), else max_conns. */
int listen_fit_fd_limit(int max_conns, unsigned int mhd_limit);

#endif
