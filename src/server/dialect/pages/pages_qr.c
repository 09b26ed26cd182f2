/* pages_qr.c: see pages_qr.h. */
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pages_qr.h"

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Write one chunk (length, type, data, CRC over type + data) at p; returns
 * the bytes written. */
static size_t chunk(unsigned char *p, const char type[4], const unsigned char *data, size_t n)
{
    put32(p, (uint32_t)n);
    memcpy(p + 4, type, 4);
    if (n)
        memcpy(p + 8, data, n);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, p + 4, (uInt)(n + 4));
    put32(p + 8 + n, (uint32_t)crc);
    return n + 12;
}

/* A PNG from ready scanlines (`raw`: h rows of a filter byte + the row's
 * bytes) of a grayscale image of `depth` bits per pixel; malloc'ed. */
static unsigned char *png_from_rows(const unsigned char *raw, size_t rawlen, int w, int h,
                                    int depth, size_t *len)
{
    unsigned char *z = NULL, *png = NULL;
    uLongf zlen = compressBound((uLong)rawlen);
    z = malloc(zlen);
    /* level 6: the images are long runs; 9 costs far more for a few bytes */
    if (z == NULL || compress2(z, &zlen, raw, (uLong)rawlen, 6) != Z_OK)
        goto out;
    png = malloc(8 + 25 + 12 + zlen + 12);
    if (png == NULL)
        goto out;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13];
    put32(ihdr, (uint32_t)w);
    put32(ihdr + 4, (uint32_t)h);
    ihdr[8] = (unsigned char)depth; /* bit depth */
    ihdr[9] = 0;                    /* grayscale */
    ihdr[10] = 0;                   /* deflate */
    ihdr[11] = 0;                   /* adaptive filtering */
    ihdr[12] = 0;                   /* no interlace */
    size_t o = 0;
    memcpy(png, sig, 8);
    o += 8;
    o += chunk(png + o, "IHDR", ihdr, sizeof ihdr);
    o += chunk(png + o, "IDAT", z, zlen);
    o += chunk(png + o, "IEND", NULL, 0);
    *len = o;
out:
    free(z);
    return png;
}

unsigned char *png_gray8(const unsigned char *pixels, int w, int h, size_t *len)
{
    if (w <= 0 || h <= 0 || w > 8192 || h > 8192)
        return NULL;
    size_t rawlen = (size_t)h * ((size_t)w + 1);
    unsigned char *raw = malloc(rawlen);
    if (raw == NULL)
        return NULL;
    for (int y = 0; y < h; y++) {
        raw[(size_t)y * ((size_t)w + 1)] = 0; /* filter: none */
        memcpy(raw + (size_t)y * ((size_t)w + 1) + 1, pixels + (size_t)y * (size_t)w, (size_t)w);
    }
    unsigned char *png = png_from_rows(raw, rawlen, w, h, 8, len);
    free(raw);
    return png;
}

unsigned char *qr_png(const char *text, int scale, bool inverted, size_t *len)
{
    unsigned char *raw = NULL, *png = NULL;
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (qr == NULL || scale < 1 || scale > 32)
        goto out;
    /* 1 bit per pixel (0 black, 1 white): an eighth of the bytes to deflate */
    int margin = 4;
    int side = (qr->width + 2 * margin) * scale;
    size_t stride = (size_t)(side + 7) / 8 + 1;
    raw = malloc(stride * (size_t)side);
    if (raw == NULL)
        goto out;
    for (int y = 0; y < side; y++) {
        unsigned char *row = raw + (size_t)y * stride;
        memset(row, 0, stride); /* filter byte 0, all black */
        int my = y / scale - margin;
        for (int x = 0; x < side; x++) {
            int mx = x / scale - margin;
            bool dark = my >= 0 && my < qr->width && mx >= 0 && mx < qr->width &&
                        (qr->data[my * qr->width + mx] & 1);
            if (dark == inverted) /* white pixel */
                row[1 + x / 8] |= (unsigned char)(0x80 >> (x % 8));
        }
    }
    png = png_from_rows(raw, stride * (size_t)side, side, side, 1, len);
out:
    if (qr)
        QRcode_free(qr);
    free(raw);
    return png;
}
