/* totp.c: RFC 6238 one-time passwords and RFC 4648 base32 (totp.h). */
#include "totp.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "random.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

bool base32_encode(const uint8_t *data, size_t len, char *out, size_t size)
{
    size_t need = (len * 8 + 4) / 5 + 1, n = 0;
    if (size < need)
        return false;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 5) {
            out[n++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[n++] = b32[(acc << (5 - bits)) & 31];
    out[n] = '\0';
    return true;
}

int base32_decode(const char *text, uint8_t *out, size_t max)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        char ch = *p;
        if (ch == ' ' || ch == '=')
            continue;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        const char *at = ch != '\0' ? strchr(b32, ch) : NULL;
        if (at == NULL)
            return -1;
        acc = (acc << 5) | (uint32_t)(at - b32);
        bits += 5;
        if (bits >= 8) {
            if (n == max)
                return -1;
            out[n++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
    }
    return (int)n;
}

uint32_t totp_code(const uint8_t *key, size_t len, uint64_t step, int digits)
{
    uint8_t msg[8], md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(step & 0xff);
        step >>= 8;
    }
    HMAC(EVP_sha1(), key, (int)len, msg, sizeof msg, md, &md_len);
    int off = md[md_len - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(md[off] & 0x7f) << 24) | ((uint32_t)md[off + 1] << 16) |
                   ((uint32_t)md[off + 2] << 8) | md[off + 3];
    uint32_t mod = 1;
    for (int i = 0; i < digits; i++)
        mod *= 10;
    return bin % mod;
}

bool totp_check(const char *secret, const char *code, int64_t now, int64_t after_step,
                int64_t *step)
{
    uint8_t key[64];
    int len = base32_decode(secret, key, sizeof key);
    if (len <= 0 || code == NULL || strlen(code) != TOTP_DIGITS)
        return false;
    for (int i = 0; i < TOTP_DIGITS; i++)
        if (code[i] < '0' || code[i] > '9')
            return false;
    bool ok = false;
    int64_t base = now / TOTP_STEP;
    for (int64_t s = base - 1; s <= base + 1; s++) {
        char want[TOTP_DIGITS + 1];
        uint32_t c = totp_code(key, (size_t)len, (uint64_t)s, TOTP_DIGITS);
        for (int i = TOTP_DIGITS - 1; i >= 0; i--) {
            want[i] = (char)('0' + c % 10);
            c /= 10;
        }
        want[TOTP_DIGITS] = '\0';
        /* Every step is computed and compared: the time taken says
         * nothing of which matched. */
        if (CRYPTO_memcmp(want, code, TOTP_DIGITS) == 0 && s > after_step && !ok) {
            ok = true;
            *step = s;
        }
    }
    OPENSSL_cleanse(key, sizeof key);
    return ok;
}

void totp_secret_new(char out[33])
{
    uint8_t key[TOTP_KEY_BYTES];
    random_bytes(key, sizeof key);
    base32_encode(key, sizeof key, out, 33);
    OPENSSL_cleanse(key, sizeof key);
}
