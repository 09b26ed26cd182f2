/* ssrf.c: address classification for the callback SSRF guard (ssrf.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ssrf.h"

/* True when the first `bits` bits of a equal those of prefix. */
static bool in_prefix(const unsigned char *a, const unsigned char *prefix, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, (size_t)whole) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xffu << (8 - rest));
    return (a[whole] & mask) == (prefix[whole] & mask);
}

enum ssrf_class ssrf_classify_v4(const unsigned char a[4])
{
    static const struct {
        unsigned char net[4];
        int bits;
        enum ssrf_class cls;
    } table[] = {
        {{0, 0, 0, 0}, 8, SSRF_UNSPECIFIED}, /* "this network" */
        {{10, 0, 0, 0}, 8, SSRF_PRIVATE},
        {{100, 64, 0, 0}, 10, SSRF_PRIVATE}, /* shared address space (CGN) */
        {{127, 0, 0, 0}, 8, SSRF_LOOPBACK},
        {{169, 254, 0, 0}, 16, SSRF_LINK_LOCAL},
        {{172, 16, 0, 0}, 12, SSRF_PRIVATE},
        {{192, 0, 0, 0}, 24, SSRF_RESERVED},   /* IETF protocol assignments */
        {{192, 0, 2, 0}, 24, SSRF_RESERVED},   /* TEST-NET-1 */
        {{192, 88, 99, 0}, 24, SSRF_RESERVED}, /* 6to4 relay anycast */
        {{192, 168, 0, 0}, 16, SSRF_PRIVATE},
        {{198, 18, 0, 0}, 15, SSRF_RESERVED},   /* benchmarking */
        {{198, 51, 100, 0}, 24, SSRF_RESERVED}, /* TEST-NET-2 */
        {{203, 0, 113, 0}, 24, SSRF_RESERVED},  /* TEST-NET-3 */
        {{224, 0, 0, 0}, 4, SSRF_MULTICAST},
        {{255, 255, 255, 255}, 32, SSRF_MULTICAST}, /* limited broadcast */
        {{240, 0, 0, 0}, 4, SSRF_RESERVED},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (in_prefix(a, table[i].net, table[i].bits))
            return table[i].cls;
    return SSRF_PUBLIC;
}

enum ssrf_class ssrf_classify_v6(const unsigned char a[16])
{
    static const unsigned char zero[16] = {0};
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char sixto4[2] = {0x20, 0x02};
    static const unsigned char ula[1] = {0xfc};
    static const unsigned char linklocal[2] = {0xfe, 0x80};
    static const unsigned char sitelocal[2] = {0xfe, 0xc0};
    static const unsigned char discard[8] = {0x01, 0, 0, 0, 0, 0, 0, 0};
    static const unsigned char doc[4] = {0x20, 0x01, 0x0d, 0xb8};
    static const unsigned char teredo[4] = {0x20, 0x01, 0, 0};
    static const unsigned char orchid[4] = {0x20, 0x01, 0, 0x10};

    if (memcmp(a, zero, 16) == 0)
        return SSRF_UNSPECIFIED;
    if (memcmp(a, zero, 15) == 0 && a[15] == 1)
        return SSRF_LOOPBACK;
    if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return ssrf_classify_v4(a + 12);
    if (memcmp(a, zero, 12) == 0) /* IPv4-compatible ::a.b.c.d (deprecated) */
        return ssrf_classify_v4(a + 12);
    if (in_prefix(a, sixto4, 16))
        return ssrf_classify_v4(a + 2);
    if (a[0] == 0xff)
        return SSRF_MULTICAST;
    if (in_prefix(a, ula, 7))
        return SSRF_PRIVATE;
    if (in_prefix(a, linklocal, 10))
        return SSRF_LINK_LOCAL;
    if (in_prefix(a, sitelocal, 10))
        return SSRF_PRIVATE;
    if (in_prefix(a, discard, 64) || in_prefix(a, doc, 32) || in_prefix(a, teredo, 32) ||
        in_prefix(a, orchid, 28))
        return SSRF_RESERVED;
    if ((a[0] & 0xe0) != 0x20) /* outside 2000::/3, the global unicast space */
        return SSRF_RESERVED;
    return SSRF_PUBLIC;
}

enum ssrf_class ssrf_classify_sockaddr(const struct sockaddr *sa, size_t len)
{
    if (sa == NULL)
        return SSRF_UNKNOWN;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return ssrf_classify_v4((const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        return ssrf_classify_v6(in6->sin6_addr.s6_addr);
    }
    return SSRF_UNKNOWN;
}

enum ssrf_class ssrf_classify_text(const char *ip)
{
    unsigned char buf[16];
    if (ip == NULL)
        return SSRF_UNKNOWN;
    if (inet_pton(AF_INET, ip, buf) == 1)
        return ssrf_classify_v4(buf);
    if (inet_pton(AF_INET6, ip, buf) == 1)
        return ssrf_classify_v6(buf);
    return SSRF_UNKNOWN;
}

const char *ssrf_class_name(enum ssrf_class c)
{
    switch (c) {
    case SSRF_PUBLIC:
        return "public";
    case SSRF_LOOPBACK:
        return "loopback";
    case SSRF_PRIVATE:
        return "private";
    case SSRF_LINK_LOCAL:
        return "link-local";
    case SSRF_MULTICAST:
        return "multicast";
    case SSRF_UNSPECIFIED:
        return "unspecified";
    case SSRF_RESERVED:
        return "reserved";
    case SSRF_UNKNOWN:
        return "unknown";
    }
    return "unknown";
}

bool ssrf_allowed(enum ssrf_class c, bool allow_private)
{
    if (c == SSRF_PUBLIC)
        return true;
    if (!allow_private)
        return false;
    /* --allow-private-callbacks opens loopback and private networks (tests,
     * an operator's own receivers); never multicast or unspecified. */
    return c == SSRF_LOOPBACK || c == SSRF_PRIVATE || c == SSRF_LINK_LOCAL || c == SSRF_RESERVED;
}

void ssrf_addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
    const void *src = NULL;
    if (sa != NULL && sa->sa_family == AF_INET)
        src = &((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa != NULL && sa->sa_family == AF_INET6)
        src = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (size == 0)
        return;
    if (src == NULL || inet_ntop(sa->sa_family, src, buf, (socklen_t)size) == NULL)
        snprintf(buf, size, "?");
}
