/* listen.c: the listening socket and the descriptors it needs (listen.h). */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"

/* Split "host:port" (or "[v6]:port") and resolve it. */
int listen_resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *sslen, bool *v6,
                   char *err, size_t errlen)
{
    int rc = -1;
    struct addrinfo *res = NULL;
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen) {
        snprintf(err, errlen, "listen address '%s': expected HOST:PORT", listen);
        goto out;
    }
    size_t hlen = (size_t)(colon - listen);
    const char *h = listen;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof(host)) {
        snprintf(err, errlen, "listen address '%s': host too long", listen);
        goto out;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    struct addrinfo hints = {0};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int gai = getaddrinfo(host[0] != '\0' ? host : NULL, colon + 1, &hints, &res);
    if (gai != 0 || res == NULL) {
        snprintf(err, errlen, "listen address '%s': %s", listen,
                 gai != 0 ? gai_strerror(gai) : "no address");
        goto out;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    *v6 = res->ai_family == AF_INET6;
    rc = 0;
out:
    if (res != NULL)
        freeaddrinfo(res);
    return rc;
}

/* The listening socket for ss: SO_REUSEADDR and, as libmicrohttpd's
 * MHD_OPTION_LISTENING_ADDRESS_REUSE did, SO_REUSEPORT; IPv6 only on an
 * IPv6 address. -1 with err on failure. */
int listen_socket(const struct sockaddr_storage *ss, socklen_t sslen, bool v6, char *err,
                  size_t errlen, const char *listen_addr)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0 ||
        (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        bind(fd, (const struct sockaddr *)ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        snprintf(err, errlen, "cannot listen on %s: %s", listen_addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Raise the open-file limit to what max_conns needs (sockets, plus the
 * database, log and callback connections), or lower max_conns to what
 * the hard limit allows. */
int listen_fit_fd_limit(int max_conns, unsigned int mhd_limit)
{
    const rlim_t reserve = 256;
    rlim_t need = mhd_limit + reserve;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
        return max_conns;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= need)
        return max_conns;
    long room = (long)rl.rlim_cur - (long)reserve - (long)(mhd_limit - (unsigned)max_conns);
    int fit = room > 16 ? (int)room : 16;
    log_warn("open-file limit too low for --max-connections; using fewer",
             "max_connections=%d "
             "used=%d nofile=%llu",
             max_conns, fit, (unsigned long long)rl.rlim_cur);
    return fit;
}
