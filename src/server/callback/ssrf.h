/* ssrf.h: which addresses a callback may connect to.
 *
 * A merchant chooses its callback URL, so without a guard kassad could be
 * made to POST into the operator's own network. The dispatcher classifies
 * the address libcurl is about to connect to (after DNS, so a name that
 * resolves to 127.0.0.1 is caught too) and refuses everything but public
 * unicast unless --allow-private-callbacks. */
#ifndef KASSA_SSRF_H
#define KASSA_SSRF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum ssrf_class {
    SSRF_PUBLIC = 0,  /* global unicast: allowed */
    SSRF_LOOPBACK,    /* 127/8, ::1 */
    SSRF_PRIVATE,     /* 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10 */
    SSRF_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
    SSRF_MULTICAST,   /* 224/4, ff00::/8, 255.255.255.255 */
    SSRF_UNSPECIFIED, /* 0/8, :: */
    SSRF_RESERVED,    /* documentation, benchmarking, 240/4, 192.0.0/24, 100::/64, ... */
    SSRF_UNKNOWN,     /* not an IPv4/IPv6 address */
};

/* Classify an IPv4 address given as 4 bytes in network order. */
enum ssrf_class ssrf_classify_v4(const unsigned char a[4]);

/* Classify an IPv6 address (16 bytes). IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * addresses are classified by the IPv4 address they carry. */
enum ssrf_class ssrf_classify_v6(const unsigned char a[16]);

/* Classify a socket address (AF_INET / AF_INET6; others SSRF_UNKNOWN). */
enum ssrf_class ssrf_classify_sockaddr(const struct sockaddr *sa, size_t len);

/* Classify numeric address text ("127.0.0.1", "::ffff:10.0.0.1");
 * SSRF_UNKNOWN when it is not one. */
enum ssrf_class ssrf_classify_text(const char *ip);

/* "public", "loopback", "private", "link-local", "multicast",
 * "unspecified", "reserved", "unknown". */
const char *ssrf_class_name(enum ssrf_class c);

/* Whether a callback may connect to an address of class c. */
bool ssrf_allowed(enum ssrf_class c, bool allow_private);

/* The address in sa as text into buf (INET6_ADDRSTRLEN is enough); "?"
 * when it cannot be printed. */
void ssrf_addr_text(const struct sockaddr *sa, char *buf, size_t size);

#endif
