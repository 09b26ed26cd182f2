/* pages_qr.h: QR codes as PNG images (libqrencode for the symbol, zlib for
 * the PNG's deflate stream and CRCs; the PNG container is written here). */
#ifndef KASSA_PAGES_QR_H
#define KASSA_PAGES_QR_H

#include <stdbool.h>
#include <stddef.h>

/* Encode `text` as a QR code (error correction M) and render it as a 1-bit
 * grayscale PNG, `scale` pixels per module with a 4-module quiet zone.
 * `inverted` draws white modules on black (for dark pages); otherwise black
 * modules on white. Returns a malloc'ed PNG (caller frees)
 * and its length in *len, or NULL when the text cannot be encoded or memory
 * runs out. */
unsigned char *qr_png(const char *text, int scale, bool inverted, size_t *len);

/* A PNG of `w` x `h` 8-bit grayscale pixels (row-major), malloc'ed; NULL on
 * failure. */
unsigned char *png_gray8(const unsigned char *pixels, int w, int h, size_t *len);

#endif
